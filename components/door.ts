/**
 * The door in front of non-production: HTTP basic authentication at Traefik on every router of
 * staging, the preview environments and Mailpit. One middleware, defined once on the dev host (on
 * the staging Mailpit container's labels) and named by every router there, the pr-<N> stacks'
 * included (`nonprod-door@docker`: middlewares of Traefik's Docker provider are global).
 *
 * Traefik's basicauth takes htpasswd lines hashed with MD5 (apr1), SHA1 or bcrypt. The line is
 * computed here, not by a random-salted tool: the salt comes from the password itself (HMAC), so
 * the same password gives the same line and `pulumi up` shows no change; apr1 over a generated
 * password of at least 20 characters leaves nothing to guess.
 */
import * as crypto from "crypto";

/** Values of the config key `nonProdAccess`. */
export const NON_PROD_ACCESS = ["basic"] as const;
export type NonProdAccess = (typeof NON_PROD_ACCESS)[number];

/** The middleware's name, and how routers of any container name it. */
export const DOOR_MIDDLEWARE = "nonprod-door";
export const DOOR_REFERENCE = `${DOOR_MIDDLEWARE}@docker`;
/** The user name of the door; the password is the secret `nonProdAccessPassword`. */
export const DOOR_USER = "team";
/** Paths served without the door: the uptime check's (Odoo answers `{"status": "pass"}`). */
export const OPEN_PATHS = ["/web/health"] as const;

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function to64(v: number, n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) {
        s += ITOA64[v & 0x3f];
        v >>>= 6;
    }
    return s;
}

/**
 * Apache's `$apr1$` MD5-crypt (apr_md5.c; the same as `openssl passwd -apr1 -salt <salt>`, which
 * a test compares it with).
 */
export function apr1(password: string, salt: string): string {
    if (!/^[./0-9A-Za-z]{1,8}$/.test(salt)) throw new Error(`invalid apr1 salt "${salt}"`);
    const pw = Buffer.from(password, "utf8");
    const magic = Buffer.from("$apr1$");
    const s = Buffer.from(salt);
    const md5 = (...parts: Buffer[]) =>
        crypto.createHash("md5").update(Buffer.concat(parts)).digest();
    const alt = md5(pw, s, pw);
    const ctx: Buffer[] = [pw, magic, s];
    for (let i = pw.length; i > 0; i -= 16) ctx.push(alt.subarray(0, Math.min(16, i)));
    for (let i = pw.length; i > 0; i >>= 1) ctx.push(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
    let f = md5(...ctx);
    for (let i = 0; i < 1000; i++) {
        const parts: Buffer[] = [];
        parts.push(i & 1 ? pw : f);
        if (i % 3) parts.push(s);
        if (i % 7) parts.push(pw);
        parts.push(i & 1 ? f : pw);
        f = md5(...parts);
    }
    const b = (x: number, y: number, z: number) => to64((f[x] << 16) | (f[y] << 8) | f[z], 4);
    return (
        `$apr1$${salt}$` +
        b(0, 6, 12) +
        b(1, 7, 13) +
        b(2, 8, 14) +
        b(3, 9, 15) +
        b(4, 10, 5) +
        to64(f[11], 2)
    );
}

/** The salt of a password's line: 8 characters from an HMAC of it, the same on every run. */
export function doorSalt(password: string): string {
    const mac = crypto.createHmac("sha256", "odoo-platform door salt").update(password).digest();
    return Array.from(mac.subarray(0, 8), (x) => ITOA64[x & 0x3f]).join("");
}

/** The htpasswd line Traefik's basicauth reads: `team:$apr1$...`. */
export function htpasswdLine(password: string, user: string = DOOR_USER): string {
    if (!/^[A-Za-z0-9._-]+$/.test(user)) throw new Error(`invalid door user "${user}"`);
    return `${user}:${apr1(password, doorSalt(password))}`;
}

/**
 * The labels that define the door (the users' line is added beside them, as a secret): the realm
 * the browser shows. The Authorization header goes on to the service: Mailpit checks it again
 * (the door's login is one of its own), and Odoo 18 reads only `Bearer` tokens from it
 * (ir_http._auth_method_bearer), so a `Basic` one passes unread.
 */
export function doorDefinitionLabels(): Record<string, string> {
    const m = `traefik.http.middlewares.${DOOR_MIDDLEWARE}.basicauth`;
    return { [`${m}.realm`]: "odoo-platform non-production" };
}

/** Label key of the users' line. */
export const DOOR_USERS_LABEL = `traefik.http.middlewares.${DOOR_MIDDLEWARE}.basicauth.users`;
