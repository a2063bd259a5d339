import * as pulumi from "@pulumi/pulumi";
import { DB_USER } from "../components/odoo-containers";
import { DevHost, PreviewEnvironment } from "../components/preview-environment";
import { CANONICAL_ADDONS_PATH } from "./addons";
import { PreviewConfig } from "./config";

/** Output names the staging stack exports for preview stacks. */
export const DEV_OUTPUTS = {
    dev: "dev",
    postgresPassword: "devPostgresPassword",
    adminPassword: "devAdminPassword",
} as const;

const DEV_FIELDS: Record<keyof DevHost, "string" | "number"> = {
    address: "string",
    network: "string",
    postgresContainer: "string",
    mailpitContainer: "string",
    templateDatabase: "string",
    filestoreRoot: "string",
    devDomain: "string",
    max: "number",
    memoryMb: "number",
    door: "string",
};

/** Checks the staging stack's `dev` output before anything is created from it. */
export function devHostProblems(dev: unknown): string[] {
    if (typeof dev !== "object" || dev === null) {
        return [
            "the staging stack exports no `dev` output: deploy staging (pulumi up -s staging) " +
                "first; preview environments need staging on the droplet runtime with the " +
                "database container",
        ];
    }
    const d = dev as Record<string, unknown>;
    return Object.entries(DEV_FIELDS)
        .filter(([k, t]) => typeof d[k] !== t)
        .map(([k, t]) => `staging output dev.${k} must be a ${t}, found ${JSON.stringify(d[k])}`);
}

/**
 * A `pr-<N>` stack: a handful of PR-scoped resources on the staging stack's dev host, found
 * through a StackReference. Owns nothing shared; destroying it drops the PR's database only.
 */
export async function buildPreview(cfg: PreviewConfig) {
    const n = cfg.number;
    const staging = new pulumi.StackReference(`pr-${n}-staging`, { name: cfg.stagingStack });
    const dev = (await staging.getOutputDetails(DEV_OUTPUTS.dev)).value;
    const problems = devHostProblems(dev);
    if (problems.length > 0) {
        throw new pulumi.RunError(
            `stack pr-${n} cannot use ${cfg.stagingStack}:\n  - ${problems.join("\n  - ")}`,
        );
    }
    const env = new PreviewEnvironment(`pr-${n}`, {
        number: n,
        image: cfg.pr.image,
        updateModules: cfg.pr.updateModules,
        dev: dev as DevHost,
        addonsPath: CANONICAL_ADDONS_PATH,
        dbUser: DB_USER,
        dbPassword: staging.requireOutput(DEV_OUTPUTS.postgresPassword) as pulumi.Output<string>,
        adminPassword: staging.requireOutput(DEV_OUTPUTS.adminPassword) as pulumi.Output<string>,
    });
    return { stage: cfg.stage, url: env.url, database: env.database };
}
