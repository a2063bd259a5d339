import { StackValidationPolicy } from "@pulumi/policy";
import { T, wholeInternet, worldReach } from "./lib";

const TRUSTED_TYPES = ["droplet", "app", "k8s", "tag"];

/**
 * A managed cluster without firewall rules accepts connections from anywhere: every cluster has a
 * database firewall that admits named resources only, never an address range that is the world.
 */
export const exposureDatabaseCluster: StackValidationPolicy = {
    name: "exposure-database-cluster",
    description:
        "Every managed database cluster has a DatabaseFirewall whose rules name the droplet or the " +
        "app (or a tag / Kubernetes cluster), never an address range such as 0.0.0.0/0.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const firewalls = args.resources.filter((r) => r.type === T.databaseFirewall);
        for (const cluster of args.resources.filter((r) => r.type === T.databaseCluster)) {
            const mine = firewalls.filter((f) =>
                (f.propertyDependencies["clusterId"] ?? f.dependencies).some(
                    (d) => d.urn === cluster.urn,
                ),
            );
            if (mine.length === 0) {
                reportViolation(
                    `database cluster "${cluster.name}" has no DatabaseFirewall: it accepts ` +
                        "connections from the whole internet; trust the host or the app only.",
                    cluster.urn,
                );
            }
            for (const f of mine) {
                const rules = (f.props.rules ?? []) as { type?: string; value?: string }[];
                if (rules.length === 0) {
                    reportViolation(
                        `firewall "${f.name}" has no rules: the cluster is open.`,
                        f.urn,
                    );
                }
                for (const rule of rules) {
                    // An address range is never right here: the host and the app are named by id,
                    // and an address outlives the resource it belonged to.
                    if (!TRUSTED_TYPES.includes(String(rule.type))) {
                        const alone = worldReach([String(rule.value)]).families;
                        const world = alone.length > 0 ? ` (${wholeInternet(alone)})` : "";
                        reportViolation(
                            `firewall "${f.name}" admits ${rule.type} ${rule.value}${world}: admit ` +
                                "the droplet or the app by id instead.",
                            f.urn,
                        );
                    }
                }
                // Ranges that are no world one by one can be the world together.
                const addresses = rules
                    .filter((r) => String(r.type) === "ip_addr")
                    .map((r) => String(r.value));
                const together = worldReach(addresses);
                const single = addresses.some((a) => worldReach([a]).families.length > 0);
                if (together.families.length > 0 && !single) {
                    reportViolation(
                        `firewall "${f.name}" admits ${together.reaching.join(", ")}: together ` +
                            `${wholeInternet(together.families)}; admit the droplet or the app by id.`,
                        f.urn,
                    );
                }
            }
        }
    },
};
