/**
 * Runs the Pulumi program offline: `pulumi.runtime.setMocks` answers every resource and invoke,
 * and a wrapper around the mock monitor's `registerResource` records what the engine would see
 * (type, name, URN, parent, dependencies, options, serialized inputs). The preview tool, the
 * benchmark and the tests all run the program through here.
 */
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type {
    ReadResourceRequest,
    RegisterResourceOutputsRequest,
    ReadResourceResponse,
    RegisterResourceRequest,
    RegisterResourceResponse,
} from "@pulumi/pulumi/proto/resource_pb";

type Callback = (err: unknown, resp?: RegisterResourceResponse) => void;
type ReadCallback = (err: unknown, resp?: ReadResourceResponse) => void;

/** Signatures of Pulumi's wire format (sdk/go/common/resource/sig). */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly parent: string;
    readonly dependencies: string[];
    readonly propertyDependencies: Record<string, string[]>;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly ignoreChanges: string[];
    readonly additionalSecretOutputs: string[];
    /** Provider reference (`<urn>::<id>`), empty for the default provider. */
    readonly provider: string;
    /** Inputs exactly as serialized on the wire: secrets and unknowns keep their signatures. */
    readonly rawInputs: Record<string, unknown>;
}

export interface ProgramRun {
    readonly stack: string;
    readonly resources: RecordedResource[];
    /** Stack outputs, resolved (secrets unwrapped). */
    readonly outputs: Record<string, unknown>;
    /** Stack outputs as registered on the wire: secrets keep their signature. */
    readonly rawOutputs: Record<string, unknown>;
}

/** True when a wire value is a secret. */
export function isSecret(v: unknown): v is { value: unknown } {
    return (
        typeof v === "object" &&
        v !== null &&
        (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
    );
}

/** Wire value → JavaScript: resource references become URNs, secrets and unknowns as asked. */
function fromWire(v: unknown, secret: (inner: unknown) => unknown, unknown: unknown): unknown {
    const walk = (x: unknown): unknown => {
        if (isSecret(x)) return secret(x.value);
        if (x === UNKNOWN) return unknown;
        if (Array.isArray(x)) return x.map(walk);
        if (typeof x === "object" && x !== null) {
            const o = x as Record<string, unknown>;
            if (o[SIG_KEY] === RESOURCE_SIG) return o["urn"];
            return Object.fromEntries(Object.entries(o).map(([k, y]) => [k, walk(y)]));
        }
        return x;
    };
    return walk(v);
}

/** Wire value → plain JavaScript, secrets unwrapped (what a policy sees). */
export function plain(v: unknown): unknown {
    return fromWire(v, (inner) => plain(inner), UNKNOWN);
}

/** Wire value → printable JavaScript: secrets become "[secret]", unknowns "[unknown]". */
export function masked(v: unknown): unknown {
    return fromWire(v, () => "[secret]", "[unknown]");
}

/** Plain inputs of a recorded resource. */
export function inputsOf(r: RecordedResource): Record<string, unknown> {
    return plain(r.rawInputs) as Record<string, unknown>;
}

const digest = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

/** Deterministic documentation-range address for a resource name (RFC 5737). */
function exampleIp(name: string): string {
    return `203.0.113.${(parseInt(digest(name).slice(0, 4), 16) % 250) + 2}`;
}

/** Outputs the providers would compute, so the program's `apply`s see realistic values. */
function computedState(type: string, name: string, inputs: Record<string, unknown>) {
    switch (type) {
        case "digitalocean:index/droplet:Droplet":
            return { ipv4Address: exampleIp(name), urn: `do:droplet:${name}` };
        case "digitalocean:index/reservedIp:ReservedIp":
            return { ipAddress: exampleIp(name) };
        case "digitalocean:index/sshKey:SshKey":
            return {
                fingerprint: digest(name)
                    .slice(0, 32)
                    .replace(/(..)(?!$)/g, "$1:"),
            };
        case "digitalocean:index/spacesBucket:SpacesBucket":
            return {
                bucketDomainName: `${inputs["name"]}.${inputs["region"]}.digitaloceanspaces.com`,
                endpoint: `${inputs["region"]}.digitaloceanspaces.com`,
            };
        case "digitalocean:index/spacesKey:SpacesKey":
            return { accessKey: "DO00PREVIEWKEY", secretKey: "preview-secret-key" };
        case "cloudflare:index/apiToken:ApiToken":
            return { value: "preview-cloudflare-token" };
        case "docker:index/remoteImage:RemoteImage": {
            // As `docker inspect` reports a pulled image (the provider's documented source): the
            // image id is `sha256:<hex>`, and the repo digest names the repository without a tag.
            const ref = String(inputs["name"]);
            const at = ref.indexOf("@");
            const repository = (at >= 0 ? ref.slice(0, at) : ref).replace(/:[^/:]+$/, "");
            const pinned = at >= 0 ? ref.slice(at + 1) : `sha256:${digest(`manifest ${ref}`)}`;
            return {
                imageId: `sha256:${digest(`config ${ref}`)}`,
                repoDigest: `${repository}@${pinned}`,
            };
        }
        case "command:local:Command":
            return { stdout: "", stderr: "" };
        case "digitalocean:index/databaseCluster:DatabaseCluster": {
            const host = `${inputs["name"]}-do-user-0.db.ondigitalocean.com`;
            const scheme = inputs["engine"] === "valkey" ? "rediss" : "postgresql";
            return {
                host,
                privateHost: `private-${host}`,
                port: 25060,
                user: inputs["engine"] === "valkey" ? "default" : "doadmin",
                password: "preview-cluster-password",
                uri: `${scheme}://doadmin:preview-cluster-password@${host}:25060`,
                privateUri: `${scheme}://doadmin:preview-cluster-password@private-${host}:25060`,
                urn: `do:dbaas:${name}`,
            };
        }
        case "digitalocean:index/databaseUser:DatabaseUser":
            return { password: "preview-user-password", role: "normal" };
        case "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool":
            return {
                host: `${name}-do-user-0.db.ondigitalocean.com`,
                privateHost: `private-${name}-do-user-0.db.ondigitalocean.com`,
                port: 25061,
                password: "preview-user-password",
            };
        case "digitalocean:index/app:App":
            return {
                defaultIngress: `https://${name}-a1b2c.ondigitalocean.app`,
                liveUrl: `https://${name}-a1b2c.ondigitalocean.app`,
                urn: `do:app:${name}`,
            };
        default:
            return {};
    }
}

/** The id the offline mocks give a resource: what other resources see as its `id`. */
export function mockId(type: string, name: string): string {
    // Droplet ids are numbers in DigitalOcean's API; the program converts them with Number().
    if (type === "digitalocean:index/droplet:Droplet") {
        return String(100000 + (parseInt(digest(name).slice(0, 6), 16) % 900000));
    }
    return `${name}-id`;
}

export type InvokeHandler = (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>;

/**
 * Cloudflare's permission groups the program looks up, with their real ids (the same in every
 * account; observed through GET /accounts/{id}/tokens/permission_groups, 2026-11).
 */
export const CLOUDFLARE_PERMISSION_GROUPS: Readonly<Record<string, string>> = {
    "DNS Write": "4755a26eedb94da69e1066d98aa820be",
    "Zone Read": "c8fed203ed3043cba015a93ad1616f1f",
};

/** Invokes the program is allowed to make offline; anything else fails loudly. */
export const DEFAULT_INVOKES: Record<string, InvokeHandler> = {
    "github:index/getRepository:getRepository": (a) => ({
        name: a.inputs["name"],
        fullName: `example/${a.inputs["name"]}`,
        nodeId: `R_${digest(String(a.inputs["name"])).slice(0, 12)}`,
        defaultBranch: "main",
    }),
    // The API's answer for the zone scope (the groups the program looks up among them). A `name`
    // filter is refused: its value "must be URL-encoded" (the data source's docs), and whether
    // the provider encodes it again is unknown, so the program must not depend on it.
    "cloudflare:index/getApiTokenPermissionGroupsList:getApiTokenPermissionGroupsList": (a) => {
        if (a.inputs["name"] !== undefined) {
            throw new Error("mock: filter permission groups by scope and pick them by name");
        }
        const scope = a.inputs["scope"];
        if (scope !== "com.cloudflare.api.account.zone") {
            throw new Error(`mock: no permission groups of scope ${String(scope)}`);
        }
        return {
            results: Object.entries(CLOUDFLARE_PERMISSION_GROUPS).map(([name, id]) => ({
                id,
                name,
                scopes: [scope],
            })),
        };
    },
};

export interface RunOptions {
    readonly stack: string;
    /** Config as Pulumi stores it: `odoo-platform:key` → string. */
    readonly config: Record<string, string>;
    readonly secretKeys?: string[];
    /** The program; defaults to `index.ts` of this repository. */
    readonly program?: () => unknown;
    readonly invokes?: Record<string, InvokeHandler>;
    readonly project?: string;
    /**
     * Outputs an already deployed resource has in the state, by resource name: what `preview`
     * reads for a resource that exists (e.g. the version a database cluster runs).
     */
    readonly existingState?: Record<string, Record<string, unknown>>;
    /** Outputs of referenced stacks, by the name the program references them with. */
    readonly stackReferences?: Record<
        string,
        { outputs: Record<string, unknown>; secretOutputNames: string[] }
    >;
}

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * Forgets the program's entry module so the next run evaluates it afresh. Only `index.ts` runs
 * anything when loaded; components and stack builders are plain modules and stay cached, as they
 * would in one `pulumi preview`.
 */
function forgetProgramModules(): void {
    delete require.cache[path.join(ROOT, "index.ts")];
}

/**
 * Runs a program under mocks and returns every registered resource. Rejects with the program's
 * own error (e.g. a configuration error) before any resource was registered.
 */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
    const resources: RecordedResource[] = [];
    const invokes = { ...DEFAULT_INVOKES, ...opts.invokes };
    const project = opts.project ?? "odoo-platform";

    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                if (args.type === "pulumi:pulumi:StackReference") {
                    const name = String(args.inputs["name"] ?? args.id);
                    const ref = opts.stackReferences?.[name];
                    if (ref === undefined) {
                        throw new Error(
                            `unexpected stack reference "${name}": add it to the offline mocks`,
                        );
                    }
                    return { id: name, state: { name, ...ref } };
                }
                return {
                    id: mockId(args.type, args.name),
                    state: {
                        ...args.inputs,
                        ...computedState(args.type, args.name, args.inputs),
                        ...opts.existingState?.[args.name],
                    },
                };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                const handler = invokes[args.token];
                if (handler === undefined) {
                    throw new Error(`unexpected invoke ${args.token}: add it to the offline mocks`);
                }
                return handler(args);
            },
        },
        project,
        opts.stack,
        true,
    );
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys);

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings");
    const monitor = settings.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: RegisterResourceRequest, callback: Callback) =>
        register(req, (err: unknown, resp?: RegisterResourceResponse) => {
            if (!err && resp !== undefined) {
                const propDeps: Record<string, string[]> = {};
                req.getPropertydependenciesMap().forEach((v, k) => {
                    propDeps[k] = v.getUrnsList();
                });
                resources.push({
                    urn: resp.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    custom: req.getCustom(),
                    parent: req.getParent(),
                    dependencies: req.getDependenciesList(),
                    propertyDependencies: propDeps,
                    protect: req.getProtect() === true,
                    retainOnDelete: req.getRetainondelete() === true,
                    deleteBeforeReplace: req.getDeletebeforereplace() === true,
                    ignoreChanges: req.getIgnorechangesList(),
                    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                    provider: req.getProvider(),
                    rawInputs: (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
                });
            }
            callback(err, resp);
        });

    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req: ReadResourceRequest, callback: ReadCallback) =>
        read(req, (err: unknown, resp?: ReadResourceResponse) => {
            if (!err && resp !== undefined) {
                resources.push({
                    urn: resp.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    custom: true,
                    parent: req.getParent(),
                    dependencies: req.getDependenciesList(),
                    propertyDependencies: {},
                    protect: false,
                    retainOnDelete: false,
                    deleteBeforeReplace: false,
                    ignoreChanges: [],
                    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                    provider: req.getProvider(),
                    rawInputs: (req.getProperties()?.toJavaScript() ?? {}) as Record<
                        string,
                        unknown
                    >,
                });
            }
            callback(err, resp);
        });

    let rawOutputs: Record<string, unknown> = {};
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (
        req: RegisterResourceOutputsRequest,
        callback: (e: unknown, r?: unknown) => void,
    ) => {
        if (req.getUrn().includes("::pulumi:pulumi:Stack::")) {
            rawOutputs = (req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
        }
        return registerOutputs(req, callback);
    };

    forgetProgramModules();
    const program =
        opts.program ??
        (() => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            return require(path.join(ROOT, "index.ts"));
        });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runInPulumiStack } = require("@pulumi/pulumi/runtime/stack");
    // An error thrown inside an apply (e.g. a refused database version) rejects nothing the
    // program awaits; the CLI's language host fails the run on such an unhandled rejection, and so
    // does this run.
    let fail: (e: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    const onUnhandled = (e: unknown) => fail(e);
    process.on("unhandledRejection", onUnhandled);
    try {
        return await Promise.race([
            failed,
            (async () => {
                // The program's module may export its outputs, a promise of them, or a function
                // returning them.
                const outputs = (await runInPulumiStack(async () => {
                    const exported = program();
                    return typeof exported === "function"
                        ? (exported as () => unknown)()
                        : exported;
                })) as Record<string, unknown>;
                await settings.waitForRPCs();
                return { stack: opts.stack, resources, outputs: outputs ?? {}, rawOutputs };
            })(),
        ]);
    } finally {
        process.off("unhandledRejection", onUnhandled);
    }
}
