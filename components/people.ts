/**
 * People of a stack and their roles (Odoo.sh's Admin / Developer / Tester split): the names, keys
 * and roles the config may give, and the problems it may not (components/host-access.ts renders
 * what a host makes of them).
 */

export const ROLES = ["admin", "developer", "tester"] as const;
export type Role = (typeof ROLES)[number];

export interface Person {
    /** Login name on the host (`ssh <name>@<host>`): lower case letters, digits and -. */
    readonly name: string;
    /** One OpenSSH public key (`ssh-ed25519 AAAA... comment`). */
    readonly sshKey: string;
    readonly role: Role;
}

/** What each role may run through `odoo-entry`, by the stage of the host. */
export const ROLE_ACTIONS: Readonly<
    Record<Role, Readonly<Record<"production" | "staging", readonly string[]>>>
> = {
    // Admins: everything, production included; `bash` is a shell in the Odoo container, not
    // on the host.
    admin: {
        production: ["shell", "psql", "logs", "bash"],
        staging: ["shell", "psql", "logs", "bash"],
    },
    // Developers: the shell and database of staging and the previews, never production (Odoo.sh
    // gives developers no production shell either).
    developer: { production: [], staging: ["shell", "psql", "logs"] },
    // Testers test in the browser: they read the logs of staging and the previews.
    tester: { production: [], staging: ["logs"] },
};

export const PERSON_NAME = /^[a-z][a-z0-9-]{1,30}$/;

/** Accounts a Debian 12 droplet (and the platform) already has: never a person's login. */
export const RESERVED_NAMES = [
    "root",
    "daemon",
    "bin",
    "sys",
    "sync",
    "games",
    "man",
    "lp",
    "mail",
    "news",
    "uucp",
    "proxy",
    "www-data",
    "backup",
    "list",
    "irc",
    "gnats",
    "nobody",
    "messagebus",
    "sshd",
    "polkitd",
    "debian",
    "admin",
    "deploy",
    "docker",
    "odoo",
    "postgres",
    "ubuntu",
] as const;

/** Key types OpenSSH 9 accepts for login, with the smallest size we take where it varies. */
const KEY_TYPES = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
] as const;

/**
 * Why a string is not one OpenSSH public key, or undefined. The key's blob is decoded and its
 * embedded type must equal the stated one (a truncated or pasted-wrong key fails here, not at
 * login); RSA keys need 3072 bits or more; no options (`command=`, `from=`) may be smuggled in.
 */
export function sshKeyProblem(key: string): string | undefined {
    if (/[\r\n]/.test(key)) return "must be one line: one public key";
    const parts = key.trim().split(/ +/);
    const [type, body] = parts;
    if (!(KEY_TYPES as readonly string[]).includes(type ?? "")) {
        return `must start with a key type (${KEY_TYPES.join(", ")}): the contents of your id_*.pub`;
    }
    if (body === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
        return "must be `<type> <base64> [comment]`, the contents of your id_*.pub";
    }
    const blob = Buffer.from(body, "base64");
    const read = (at: number): { value: Buffer; next: number } | undefined => {
        if (at + 4 > blob.length) return undefined;
        const len = blob.readUInt32BE(at);
        if (at + 4 + len > blob.length) return undefined;
        return { value: blob.subarray(at + 4, at + 4 + len), next: at + 4 + len };
    };
    const inner = read(0);
    if (inner === undefined || inner.value.toString("latin1") !== type) {
        return `is not a ${type} key: its base64 part is damaged or belongs to another type`;
    }
    if (type === "ssh-ed25519") {
        const pk = read(inner.next);
        if (pk === undefined || pk.value.length !== 32 || pk.next !== blob.length) {
            return "is not a complete ssh-ed25519 key (32 bytes): copy the whole line again";
        }
    }
    if (type === "ssh-rsa") {
        const e = read(inner.next);
        const n = e && read(e.next);
        if (n === undefined) return "is not a complete ssh-rsa key: copy the whole line again";
        const modulus = n.value[0] === 0 ? n.value.subarray(1) : n.value;
        if (modulus.length * 8 < 3072) {
            return `is an RSA key of ${modulus.length * 8} bits: use ssh-ed25519 (ssh-keygen -t ed25519) or RSA of 3072 bits or more`;
        }
    }
    return undefined;
}

/** Problems of a stage's people list: `[path, message]`, the path relative to `people`. */
export function peopleProblems(
    stage: "production" | "staging" | "preview",
    people: readonly Person[],
): [string, string][] {
    const problems: [string, string][] = [];
    const seen = new Map<string, number>();
    const keys = new Map<string, string>();
    people.forEach((p, i) => {
        if (!PERSON_NAME.test(p.name)) {
            problems.push([
                `[${i}]`,
                "must be a login name: 2-31 lower-case letters, digits and -, starting with a letter",
            ]);
        } else if ((RESERVED_NAMES as readonly string[]).includes(p.name)) {
            problems.push([
                `[${i}]`,
                "is an account the host already has: use the person's own name",
            ]);
        }
        if (seen.has(p.name)) {
            problems.push([
                `[${i}].name`,
                `"${p.name}" is listed twice (also people[${seen.get(p.name)}]): one entry per person`,
            ]);
        }
        seen.set(p.name, i);
        const body = p.sshKey.trim().split(/ +/)[1] ?? "";
        const owner = keys.get(body);
        if (owner !== undefined && body !== "") {
            problems.push([
                `[${i}].sshKey`,
                `is ${owner}'s key too: every person logs in with a key of their own, never a shared one`,
            ]);
        }
        keys.set(body, p.name);
        if (stage === "production" && p.role !== "admin") {
            problems.push([
                `[${i}].role`,
                `${p.name} is a ${p.role}: production accepts admins only (developers and testers ` +
                    `work on staging and the previews). Remove ${p.name} from the prod stack's ` +
                    `people, or make them an admin if they really run production`,
            ]);
        }
    });
    return problems;
}

/** Refuses a people list the host must never carry; the config check says the same first. */
export function assertPeople(stage: "production" | "staging", people: readonly Person[]): void {
    for (const p of people) {
        if (!(ROLES as readonly string[]).includes(p.role)) {
            throw new Error(`${p.name}: unknown role "${p.role}"`);
        }
        const problem = sshKeyProblem(p.sshKey);
        if (problem !== undefined) throw new Error(`${p.name}'s sshKey ${problem}`);
    }
    const problems = peopleProblems(stage, people);
    if (problems.length > 0) {
        const [at, message] = problems[0];
        throw new Error(`people${at} (${people[Number(/\d+/.exec(at)?.[0])]?.name}) ${message}`);
    }
}
