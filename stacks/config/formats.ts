/** The config namespaces a stack file may use, and "did you mean" for a typo of one. */

/** Namespaces of a stack file's keys: this project's and the providers' the program uses. */
export const KNOWN_NAMESPACES = [
    "odoo-platform",
    "digitalocean",
    "cloudflare",
    "github",
    "docker",
    "command",
    "pulumi",
] as const;

/** Levenshtein distance, for "did you mean". */
export function distance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let previous = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const here = row[j];
            row[j] = Math.min(
                row[j] + 1,
                row[j - 1] + 1,
                previous + (a[i - 1] === b[j - 1] ? 0 : 1),
            );
            previous = here;
        }
    }
    return row[b.length];
}

/** The closest of `candidates` to `word`, when it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const c of candidates) {
        const d = distance(word.toLowerCase(), c.toLowerCase());
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    return bestDistance <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}
