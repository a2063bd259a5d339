/** Rules of the copies of production (staging, previews): their door. */
import { Stage } from "./keys";
import { runtimeOf } from "./stages";

/**
 * The door of a copy of production: on the droplet runtime, Traefik's basic auth with a password
 * long enough that its apr1 line (components/door.ts) guards nothing guessable. App Platform has
 * no proxy of ours to hold a door (README, "Who can see staging and previews").
 */
export function doorChecks(
    stage: Stage,
    c: Readonly<Record<string, unknown>>,
    issue: (key: string, message: string) => void,
): void {
    if (runtimeOf(c) === "app-platform") {
        for (const key of ["nonProdAccess", "nonProdAccessPassword"]) {
            if (c[key] !== undefined) {
                issue(
                    key,
                    "must not be set with runtime app-platform: App Platform routes to Odoo " +
                        "itself, there is no proxy of ours to hold the door",
                );
            }
        }
        return;
    }
    const pw = c.nonProdAccessPassword;
    if (typeof pw !== "string" || pw.length < 20) {
        issue(
            "nonProdAccessPassword",
            `must be set as a secret of at least 20 characters on a ${stage} stack: staging, the ` +
                "previews and Mailpit serve copies of production behind it (user team); e.g. " +
                'pulumi config set --secret nonProdAccessPassword "$(openssl rand -base64 24)"',
        );
    }
}
