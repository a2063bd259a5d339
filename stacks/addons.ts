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

/**
 * Where the official `odoo:<version>` image keeps Odoo's own addons; it ships `/mnt/extra-addons`
 * empty (observed on Odoo 18.0, see ../shared/odoo-facts.md).
 */
export const CORE_ADDONS_PATH = "/usr/lib/python3/dist-packages/odoo/addons";

const OFFICIAL_IMAGE =
    /^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\/)?(?:library\/)?odoo(?::[A-Za-z0-9_.-]+)?(?:@sha256:[0-9a-f]{64})?$/;

/** Whether an image reference names Docker's official Odoo image (by tag or digest). */
export function isOfficialImage(image: string): boolean {
    return OFFICIAL_IMAGE.test(image);
}

/**
 * The addons path an image can start with: the official image holds Odoo's core addons only, so
 * any other entry makes Odoo exit at start (`option --addons-path: no such directory`); an image
 * built by the platform's build holds exactly the canonical path.
 */
export function addonsPathFor(image: string): readonly string[] {
    return isOfficialImage(image) ? [CORE_ADDONS_PATH] : CANONICAL_ADDONS_PATH;
}
