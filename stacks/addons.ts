import canonical from "./addons-path.json";

/**
 * Where the platform's build puts the team's Odoo repository in the image (its submodules
 * included): every entry of the canonical path but Odoo's core lies under it. Outside the
 * official image's /mnt/extra-addons, which is a VOLUME: a folder baked there would become an
 * anonymous volume of every container.
 */
export const IMAGE_SOURCE_ROOT = "/opt/odoo/src";

/**
 * The one canonical, ordered Odoo addons path of an image of the platform's build: the team's
 * folders first, then its third-party addon repositories in the declared order, then Odoo core.
 * The build puts exactly these folders in the image and proves each holds modules; every stack
 * that runs such an image deploys exactly this list, and the policy pack `odoo-addons-path`
 * refuses any other. Edit `stacks/addons-path.json`, never a copy of it.
 */
export const CANONICAL_ADDONS_PATH: readonly string[] = Object.freeze([...canonical]);

/** Problems with an addons path, each naming the entry: empty when the path is well formed. */
export function addonsPathProblems(path: readonly string[]): string[] {
    const problems: string[] = [];
    const seen = new Map<string, number>();
    path.forEach((entry, i) => {
        if (!entry.startsWith("/")) {
            problems.push(`entry [${i}] must be an absolute path, got "${entry}"`);
        } else if (entry !== CORE_ADDONS_PATH && !entry.startsWith(`${IMAGE_SOURCE_ROOT}/`)) {
            problems.push(
                `entry [${i}] "${entry}" is neither Odoo's core (${CORE_ADDONS_PATH}) nor a ` +
                    `folder of your repository in the image (${IMAGE_SOURCE_ROOT}/<folder>)`,
            );
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
