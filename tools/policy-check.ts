/**
 * Drives the policy pack offline exactly as the Pulumi CLI does: the pack runs as its own process
 * (`@pulumi/pulumi/cmd/run-policy-pack`, what the CLI's `pulumi-analyzer-policy` shim starts),
 * prints its gRPC port, and is then called over the Analyzer protocol: GetAnalyzerInfo,
 * Configure, ConfigureStack, Analyze for every resource, AnalyzeStack with all of them.
 */
import { ChildProcess } from "child_process";
import * as grpc from "@grpc/grpc-js";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import { ProgramRun, RecordedResource } from "../test/doubles/mock-cloud";

import { POLICY_DIR, SpawnOptions, SpawnedPack, spawnPack } from "./policy-pack-spawn";

export { POLICY_DIR };

export type EnforcementLevel = "advisory" | "mandatory" | "disabled" | "remediate";
const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "disabled", "remediate"];

export interface Violation {
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly urn: string;
    readonly message: string;
}

export interface PolicyInfo {
    readonly name: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly description: string;
}

/** Policy config as `--policy-pack-config` takes it: policy name → properties (and level). */
export type PackConfig = Record<
    string,
    Record<string, unknown> & { enforcementLevel?: EnforcementLevel }
>;

/* The generated client's methods are untyped; this is the slice of it we call. */
type Unary<Req, Res> = (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => void;
interface AnalyzerClient extends grpc.Client {
    getAnalyzerInfo: Unary<emptyproto.Empty, analyzerproto.AnalyzerInfo>;
    configure: Unary<analyzerproto.ConfigureAnalyzerRequest, emptyproto.Empty>;
    configureStack: Unary<analyzerproto.AnalyzerStackConfigureRequest, unknown>;
    analyze: Unary<analyzerproto.AnalyzeRequest, analyzerproto.AnalyzeResponse>;
    analyzeStack: Unary<analyzerproto.AnalyzeStackRequest, analyzerproto.AnalyzeResponse>;
}

function call<Req, Res>(fn: Unary<Req, Res>, client: AnalyzerClient, req: Req): Promise<Res> {
    return new Promise((resolve, reject) =>
        fn.call(client, req, (err, res) => (err ? reject(err) : resolve(res))),
    );
}

const toStruct = (o: Record<string, unknown>) =>
    structproto.Struct.fromJavaScript(o as Record<string, structproto.JavaScriptValue>);

function options(r: RecordedResource): analyzerproto.AnalyzerResourceOptions {
    const o = new analyzerproto.AnalyzerResourceOptions();
    o.setProtect(r.protect);
    o.setIgnorechangesList(r.ignoreChanges);
    o.setDeletebeforereplace(r.deleteBeforeReplace);
    o.setDeletebeforereplacedefined(r.deleteBeforeReplace);
    o.setAdditionalsecretoutputsList(r.additionalSecretOutputs);
    o.setParent(r.parent);
    return o;
}

function providerOf(
    r: RecordedResource,
    byUrn: Map<string, RecordedResource>,
): analyzerproto.AnalyzerProviderResource | undefined {
    if (r.provider === "") return undefined;
    const p = byUrn.get(r.provider.split("::").slice(0, -1).join("::"));
    if (p === undefined) return undefined;
    const out = new analyzerproto.AnalyzerProviderResource();
    out.setType(p.type);
    out.setUrn(p.urn);
    out.setName(p.name);
    out.setProperties(toStruct(p.rawInputs));
    return out;
}

/** The fields Analyze and AnalyzeStack share: type, inputs, URN, name, options, provider. */
function describeResource<T extends analyzerproto.AnalyzeRequest | analyzerproto.AnalyzerResource>(
    msg: T,
    r: RecordedResource,
    byUrn: Map<string, RecordedResource>,
): T {
    msg.setType(r.type);
    msg.setProperties(toStruct(r.rawInputs));
    msg.setUrn(r.urn);
    msg.setName(r.name);
    msg.setOptions(options(r));
    const provider = providerOf(r, byUrn);
    if (provider) msg.setProvider(provider);
    return msg;
}

function violations(res: analyzerproto.AnalyzeResponse): Violation[] {
    return res.getDiagnosticsList().map((d) => ({
        policy: d.getPolicyname(),
        enforcementLevel: LEVELS[d.getEnforcementlevel()] ?? "advisory",
        urn: d.getUrn(),
        message: d.getMessage(),
    }));
}

/** A running policy pack. Start it once, analyze as many runs as you like, close it. */
export class PolicyPackProcess {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: AnalyzerClient,
        readonly policies: PolicyInfo[],
        readonly packName: string,
    ) {}

    /** Starts the pack (see SpawnOptions) and connects to it. */
    static async start(dir = POLICY_DIR, opts: SpawnOptions = {}): Promise<PolicyPackProcess> {
        return PolicyPackProcess.connect(spawnPack(dir, opts));
    }

    /** Connects to a pack started with spawnPack; on failure the process goes too. */
    static async connect(spawned: SpawnedPack): Promise<PolicyPackProcess> {
        try {
            return await PolicyPackProcess.handshake(spawned);
        } catch (e) {
            spawned.kill();
            throw e;
        }
    }

    private static async handshake(spawned: SpawnedPack): Promise<PolicyPackProcess> {
        const { child } = spawned;
        const port = await spawned.port;
        const Client = analyzerrpc.AnalyzerClient as unknown as new (
            addr: string,
            creds: grpc.ChannelCredentials,
        ) => AnalyzerClient;
        const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const info = await call(client.getAnalyzerInfo, client, new emptyproto.Empty());
        const policies = info.getPoliciesList().map((p) => ({
            name: p.getName(),
            enforcementLevel: LEVELS[p.getEnforcementlevel()] ?? "advisory",
            description: p.getDescription(),
        }));
        return new PolicyPackProcess(child, client, policies, info.getName());
    }

    /** Runs every policy over one recorded program run, as `pulumi preview --policy-pack` does. */
    async analyze(
        run: ProgramRun,
        opts: { config?: PackConfig; project?: string; tags?: Record<string, string> } = {},
    ): Promise<Violation[]> {
        const configure = new analyzerproto.ConfigureAnalyzerRequest();
        const map = configure.getPolicyconfigMap();
        for (const p of this.policies) {
            const user = opts.config?.[p.name] ?? {};
            const { enforcementLevel, ...properties } = user;
            const pc = new analyzerproto.PolicyConfig();
            pc.setEnforcementlevel(LEVELS.indexOf(enforcementLevel ?? p.enforcementLevel));
            pc.setProperties(toStruct(properties));
            map.set(p.name, pc);
        }
        await call(this.client.configure, this.client, configure);

        const stackReq = new analyzerproto.AnalyzerStackConfigureRequest();
        stackReq.setStack(run.stack);
        stackReq.setProject(opts.project ?? "odoo-platform");
        stackReq.setOrganization("organization");
        stackReq.setDryRun(true);
        for (const [k, v] of Object.entries(opts.tags ?? {})) stackReq.getTagsMap().set(k, v);
        await call(this.client.configureStack, this.client, stackReq);

        const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
        const found: Violation[] = [];
        // All Analyze calls in flight at once (the CLI, too, analyzes resources as they come);
        // the violations keep the resources' order.
        const each = await Promise.all(
            run.resources.map(async (r) => {
                const req = describeResource(new analyzerproto.AnalyzeRequest(), r, byUrn);
                return violations(await call(this.client.analyze, this.client, req)).map((v) => ({
                    ...v,
                    urn: v.urn || r.urn,
                }));
            }),
        );
        for (const vs of each) found.push(...vs);

        const stack = new analyzerproto.AnalyzeStackRequest();
        stack.setResourcesList(
            run.resources.map((r) => {
                const a = describeResource(new analyzerproto.AnalyzerResource(), r, byUrn);
                a.setParent(r.parent);
                a.setDependenciesList(r.dependencies);
                const deps = a.getPropertydependenciesMap();
                for (const [k, urns] of Object.entries(r.propertyDependencies)) {
                    const d = new analyzerproto.AnalyzerPropertyDependencies();
                    d.setUrnsList(urns);
                    deps.set(k, d);
                }
                return a;
            }),
        );
        found.push(...violations(await call(this.client.analyzeStack, this.client, stack)));
        return found;
    }

    close(): void {
        this.client.close();
        this.child.kill();
    }
}

/** Formats violations the way a reviewer reads them; mandatory first. */
export function renderViolations(
    vs: readonly Violation[],
    packName: string,
    policyCount: number,
): string {
    if (vs.length === 0) return `Policy pack ${packName}: ${policyCount} policies, no violations.`;
    const sorted = [...vs].sort(
        (a, b) =>
            (a.enforcementLevel === "mandatory" ? -1 : 0) -
            (b.enforcementLevel === "mandatory" ? -1 : 0),
    );
    const mandatory = vs.filter((v) => v.enforcementLevel === "mandatory").length;
    const lines = [
        `Policy pack ${packName}: ${mandatory} mandatory, ${vs.length - mandatory} advisory violation(s)`,
    ];
    for (const v of sorted) {
        const name = v.urn.split("::").pop() ?? v.urn;
        lines.push(`  [${v.enforcementLevel}] ${v.policy} (${name || "stack"})`);
        for (const l of v.message.split("\n")) lines.push(`      ${l}`);
    }
    return lines.join("\n");
}
