import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { EntryOptions, Person, renderPeopleScript } from "./host-access";
import { LogService, parseLogDestination, renderLogSettingsScript } from "./log-shipping";

export interface HostSettingsArgs {
    /** The host's public address; reached as root with the platform's deploy key. */
    readonly hostAddress: pulumi.Input<string>;
    /** The droplet's id: a new droplet gets its settings again. */
    readonly dropletId: pulumi.Input<string>;
    /** Completes once the host answers over SSH (OdooHost.ready). */
    readonly ready: pulumi.Resource;
    /** Who may log in, with which role. @default nobody but the platform's deploy key */
    readonly people: readonly Person[];
    /** The stage's containers and database, for the entry. */
    readonly entry: EntryOptions;
    /** Days the host keeps its own copy of every log line (journald). */
    readonly logRetentionDays: number;
    /** The log service and its destination (secret). @default none: logs stay on the host */
    readonly logs?: { readonly service: LogService; readonly destination: pulumi.Input<string> };
}

/**
 * `sh -s` on the host as root, the script on standard input (never on a command line). The
 * address comes from the command's environment, so the command itself is known during a preview
 * (the policy pack and the diff read who gets a login before the host exists).
 */
export function pipeOverSsh(script: string): string {
    if (script.includes("\nODOO_PLATFORM_SCRIPT\n")) {
        throw new Error("script contains the heredoc marker");
    }
    return (
        `cat <<'ODOO_PLATFORM_SCRIPT' | ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new ` +
        `"root@$ODOO_PLATFORM_HOST" sh -s\n${script}ODOO_PLATFORM_SCRIPT\n`
    );
}

/**
 * What the platform keeps set on a droplet besides its containers: the people and their entry,
 * and the logging (journald's caps and retention, the forward to the log service). Applied over
 * SSH whenever they change, so adding a person never replaces the droplet (cloud-init would).
 */
export class HostSettings extends pulumi.ComponentResource {
    public readonly people: command.local.Command;
    public readonly logging: command.local.Command;

    constructor(name: string, args: HostSettingsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:host:HostSettings", name, {}, opts);
        const after = { parent: this, dependsOn: [args.ready] };
        // Rendered now: a bad people list fails before anything is registered.
        const peopleScript = renderPeopleScript(args.people, args.entry);

        this.people = new command.local.Command(
            `${name}-people`,
            {
                create: pipeOverSsh(peopleScript),
                environment: { ODOO_PLATFORM_HOST: args.hostAddress },
                interpreter: ["/bin/sh", "-c"],
                triggers: [args.dropletId],
            },
            after,
        );

        const logs = args.logs;
        const script =
            logs === undefined
                ? pulumi.output(renderLogSettingsScript(args.logRetentionDays))
                : pulumi.secret(
                      pulumi
                          .output(logs.destination)
                          .apply((d) =>
                              renderLogSettingsScript(
                                  args.logRetentionDays,
                                  parseLogDestination(logs.service, d),
                              ),
                          ),
                  );
        this.logging = new command.local.Command(
            `${name}-logging`,
            {
                create: script.apply(pipeOverSsh),
                environment: { ODOO_PLATFORM_HOST: args.hostAddress },
                interpreter: ["/bin/sh", "-c"],
                triggers: [args.dropletId],
            },
            after,
        );

        this.registerOutputs({});
    }
}
