import canonical from "./addons-path.json";

/**
 * The one canonical, ordered Odoo addons path: custom code first, then the OCA repositories, then
 * Odoo core. Every stack deploys exactly this list; the policy pack `odoo-addons-path` refuses a
 * stack whose deployed path differs. Edit `stacks/addons-path.json`, never a copy of it.
 */
export const CANONICAL_ADDONS_PATH: readonly string[] = Object.freeze([...canonical]);

/** Problems with an addons path, each naming the entry: empty when the path is well formed. */
export function addonsPathProblems(path: readonly string[]): string[] {
    const problems: string[] = [];
    const seen = new Map<string, number>();
    path.forEach((entry, i) => {
        if (!entry.startsWith("/")) {
            problems.push(`entry [${i}] must be an absolute path, got "${entry}"`);
        }
        const normalized = entry.replace(/\/+$/, "");
        const first = seen.get(normalized);
        if (first !== undefined) {
            problems.push(`entry [${i}] "${entry}" repeats entry [${first}]`);
        } else {
            seen.set(normalized, i);
        }
    });
    return problems;
}
