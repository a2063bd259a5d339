/**
 * Writes the `config:` declarations of Pulumi.yaml from CONFIG_KEYS, so the two never drift:
 * `npx ts-node tools/gen-pulumi-yaml.ts > Pulumi.yaml` (a test compares them).
 */
import { CONFIG_KEYS } from "../stacks/config";

export function renderPulumiYaml(): string {
    let out = `name: odoo-platform
description: Odoo.sh-class platform on DigitalOcean, Cloudflare and GitHub.
runtime:
  name: nodejs
  options:
    typescript: true
main: index.ts
config:
`;
    for (const [k, v] of Object.entries(CONFIG_KEYS)) {
        out += `  ${k}:\n    type: ${v.type}\n`;
        if (v.type === "array") out += "    items:\n      type: string\n";
        if (v.secret) out += "    secret: true\n";
        out += `    description: ${JSON.stringify(v.description)}\n`;
    }
    return out;
}

if (require.main === module) process.stdout.write(renderPulumiYaml());
