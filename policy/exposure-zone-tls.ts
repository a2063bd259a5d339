import { StackValidationPolicy } from "@pulumi/policy";
import { T, stackStage, stageSchema } from "./lib";

/** The zone's TLS settings and the values that keep every visitor on verified TLS. */
const SAFE: Record<string, { values: string[]; say: string }> = {
    // Full (strict): Cloudflare checks the origin's certificate; flexible and full do not.
    ssl: { values: ["strict"], say: '"strict"' },
    always_use_https: { values: ["on"], say: '"on"' },
    min_tls_version: { values: ["1.2", "1.3"], say: '"1.2" or "1.3"' },
};

/**
 * The zone's TLS settings are shared by every stack on the zone, so production owns them, and
 * they keep visitors and the edge-to-origin hop on verified TLS: SSL Full (strict), HTTPS only,
 * TLS 1.2 or newer.
 */
export const exposureZoneTls: StackValidationPolicy = {
    name: "exposure-zone-tls",
    description:
        "The Cloudflare zone's TLS settings are set by the production stack only, to SSL Full " +
        '(strict) (ssl "strict"), HTTPS only (always_use_https "on") and TLS 1.2 or newer ' +
        '(min_tls_version "1.2" or "1.3").',
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...stageSchema } },
    validateStack: (args, reportViolation) => {
        const settings = args.resources.filter((r) => r.type === T.zoneSetting);
        if (settings.length === 0) return;
        const stage = stackStage(args);
        for (const r of settings) {
            const id = String(r.props.settingId);
            if (stage !== "production") {
                reportViolation(
                    `a ${stage} stack sets zone setting ${id}, which production owns: the zone's ` +
                        "settings are shared by every stack on it; leave manageZoneSettings to prod.",
                    r.urn,
                );
                continue;
            }
            const safe = SAFE[id];
            const value = r.props.value;
            if (safe !== undefined && !safe.values.includes(String(value))) {
                reportViolation(
                    `zone setting ${id} is ${JSON.stringify(value)}; it must be ${safe.say}.`,
                    r.urn,
                );
            }
        }
    },
};
