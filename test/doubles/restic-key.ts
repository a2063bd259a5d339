/**
 * Lowers the cost of opening a test restic repository: restic derives the key that unlocks a
 * repository with scrypt, at the cost `restic init` calibrates (about half a second of CPU per
 * restic command here). A test that runs sixty restic commands spends most of its time there.
 * This rewrites the repository's key file with the same password and master key under cheap scrypt
 * parameters (what restic's own tests use: TestUseLowSecurityKDFParameters), in restic's format
 * (internal/crypto: AES-256-CTR, Poly1305-AES over the ciphertext, IV first, MAC last). Nothing
 * else in the repository changes; restic itself checks the result on every command.
 * For test repositories only: a cheap key is a weak key.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

const P1305 = (1n << 130n) - 5n;

const le = (b: Buffer) => BigInt(`0x${Buffer.from(b).reverse().toString("hex") || "0"}`);

function toLe16(n: bigint): Buffer {
    const hex = (n & ((1n << 128n) - 1n)).toString(16).padStart(32, "0");
    return Buffer.from(hex, "hex").reverse();
}

/** Poly1305 (RFC 8439 2.5) with key r || s. */
export function poly1305(msg: Buffer, r16: Buffer, s16: Buffer): Buffer {
    const r = le(r16) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
    let acc = 0n;
    for (let i = 0; i < msg.length; i += 16) {
        const block = Buffer.concat([msg.subarray(i, i + 16), Buffer.from([1])]);
        acc = ((acc + le(block)) * r) % P1305;
    }
    return toLe16(acc + le(s16));
}

interface UserKey {
    readonly encrypt: Buffer;
    readonly macK: Buffer;
    readonly macR: Buffer;
}

function kdf(password: string, salt: Buffer, N: number, r: number, p: number): UserKey {
    const k = crypto.scryptSync(password, salt, 64, {
        N,
        r,
        p,
        maxmem: 128 * r * (N + p + 2) * 2 + (64 << 20),
    });
    return { encrypt: k.subarray(0, 32), macK: k.subarray(32, 48), macR: k.subarray(48, 64) };
}

/** restic's MAC: Poly1305 with r from the key and s = AES-128(k, nonce). */
function mac(key: UserKey, nonce: Buffer, ciphertext: Buffer): Buffer {
    const aes = crypto.createCipheriv("aes-128-ecb", key.macK, null).setAutoPadding(false);
    const s = Buffer.concat([aes.update(nonce), aes.final()]);
    return poly1305(ciphertext, key.macR, s);
}

function open(key: UserKey, data: Buffer): Buffer {
    const nonce = data.subarray(0, 16);
    const ciphertext = data.subarray(16, data.length - 16);
    if (!mac(key, nonce, ciphertext).equals(data.subarray(data.length - 16))) {
        throw new Error("restic key: wrong password or not restic's format");
    }
    const d = crypto.createDecipheriv("aes-256-ctr", key.encrypt, nonce);
    return Buffer.concat([d.update(ciphertext), d.final()]);
}

function seal(key: UserKey, plaintext: Buffer): Buffer {
    const nonce = crypto.randomBytes(16);
    const c = crypto.createCipheriv("aes-256-ctr", key.encrypt, nonce);
    const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([nonce, ciphertext, mac(key, nonce, ciphertext)]);
}

/** Rewrites the single key of a local repository under scrypt N=1024, r=8, p=1. */
export function cheapenRepositoryKey(repository: string, password: string): void {
    const dir = path.join(repository, "keys");
    const [name, ...others] = fs.readdirSync(dir);
    if (name === undefined || others.length > 0) {
        throw new Error(`expected one key in ${dir}, found ${others.length + (name ? 1 : 0)}`);
    }
    const file = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
    if (file.kdf !== "scrypt") throw new Error(`restic key uses ${file.kdf}, not scrypt`);
    const master = open(
        kdf(password, Buffer.from(file.salt, "base64"), file.N, file.r, file.p),
        Buffer.from(file.data, "base64"),
    );
    const salt = crypto.randomBytes(64);
    const cheap = { N: 1024, r: 8, p: 1 };
    const rewritten = {
        ...file,
        ...cheap,
        salt: salt.toString("base64"),
        data: seal(kdf(password, salt, cheap.N, cheap.r, cheap.p), master).toString("base64"),
    };
    const text = Buffer.from(JSON.stringify(rewritten));
    // A key file is named by the SHA-256 of its content, as every file in a restic repository.
    const id = crypto.createHash("sha256").update(text).digest("hex");
    fs.writeFileSync(path.join(dir, id), text, { mode: 0o400 });
    fs.rmSync(path.join(dir, name), { force: true });
}
