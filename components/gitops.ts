import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { postgresConnection } from "./database-containers";
import { CONTAINER_LOGGING } from "./log-shipping";
import type { ContainersContext } from "./odoo-containers";

/**
 * The GitOps loop of the seeds' `pulser_webhook` module: Odoo sends a `repository_dispatch` of
 * type `git-ops` to the Odoo repository, signed with a secret the platform shares with both ends.
 * Odoo reads the secret from its system parameter `pulser.webhook.secret` (the name the seeds'
 * module reads); the receiving workflow reads it as `PULSER_WEBHOOK_SECRET`.
 */
export const GITOPS_PARAMETER = "pulser.webhook.secret";
/** The env variable that carries the secret to the delivery step and to the workflow. */
export const GITOPS_SECRET_ENV = "PULSER_WEBHOOK_SECRET";
/** The GitHub environment of the Odoo repository whose job receives the dispatches. */
export const GITOPS_ENVIRONMENT = "gitops";
/** The dispatch's event type (the seeds' `event_type`). */
export const GITOPS_EVENT = "git-ops";
/** What a key of the allowlist looks like: it names the file `ops/kv/<key>.txt`. */
export const GITOPS_KEY = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/**
 * Upserts the secret into `ir_config_parameter`, read from the environment by psql itself (a
 * backquoted `printf`, a shell builtin): the value is on no command line, in no file and in no log.
 * Then it bumps Odoo's cache signal, so that running workers drop their cached `get_param` (Odoo
 * 17+: `base_cache_signaling_default`; 16: `base_cache_signaling`).
 */
export const PARAMETER_SQL = `\\set value \`printf '%s' "$${GITOPS_SECRET_ENV}"\`
INSERT INTO ir_config_parameter (key, value, create_date, write_date)
VALUES ('${GITOPS_PARAMETER}', :'value', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = EXCLUDED.write_date
WHERE ir_config_parameter.value IS DISTINCT FROM EXCLUDED.value;
DO $$
DECLARE s text;
BEGIN
    FOREACH s IN ARRAY ARRAY['base_cache_signaling_default', 'base_cache_signaling'] LOOP
        IF to_regclass(s) IS NOT NULL THEN PERFORM nextval(s); END IF;
    END LOOP;
END $$;
`;

/**
 * The droplet runtime's one-shot delivery: waits until the database holds Odoo's parameter table
 * (a first deploy initializes it after the containers start), then runs PARAMETER_SQL. Refuses an
 * empty or multi-line secret before touching the database.
 */
export const PARAMETER_SCRIPT = `set -eu
case \${${GITOPS_SECRET_ENV}:-} in
"") echo "${GITOPS_SECRET_ENV} is empty: nothing to deliver" >&2; exit 64 ;;
*"
"*) echo "${GITOPS_SECRET_ENV} must be a single line" >&2; exit 64 ;;
esac
said=
until [ "$(psql -X -At -c "SELECT to_regclass('public.ir_config_parameter') IS NOT NULL")" = t ]; do
    [ -n "$said" ] || echo "waiting for Odoo to initialize $PGDATABASE"
    said=1
    sleep "\${PARAMETER_WAIT_SECONDS:-10}"
done
printf '%s' "$PARAMETER_SQL" | psql -X -q -v ON_ERROR_STOP=1
echo "${GITOPS_PARAMETER} delivered to $PGDATABASE"
`;

/**
 * The droplet runtime: a one-shot container that delivers the GitOps secret to Odoo's system
 * parameters once the database exists; replaced (and so run again) when the secret changes. It
 * does not hold `up` (a fresh database is initialized later); Docker keeps it as exited.
 */
export function createParameterDelivery(
    ctx: ContainersContext,
    secret: pulumi.Input<string>,
    after: readonly pulumi.Resource[],
): docker.Container {
    const { args, name } = ctx;
    const pg = postgresConnection(ctx);
    return new docker.Container(
        `${name}-gitops-parameter`,
        {
            name: `${name}-gitops-parameter`,
            ...CONTAINER_LOGGING,
            image: ctx.image("parameter", args.postgresImage).imageId,
            command: ["sh", "-c", PARAMETER_SCRIPT],
            envs: [
                pulumi.interpolate`PGHOST=${pg.host}`,
                pulumi.interpolate`PGPORT=${pg.port}`,
                pulumi.interpolate`PGUSER=${pg.user}`,
                `PGDATABASE=${args.odoo.database}`,
                ...(args.managedDatabase ? ["PGSSLMODE=require"] : []),
                `PARAMETER_SQL=${PARAMETER_SQL}`,
                pulumi.interpolate`PGPASSWORD=${pulumi.secret(pg.password)}`,
                pulumi.interpolate`${GITOPS_SECRET_ENV}=${pulumi.secret(secret)}`,
            ],
            networksAdvanced: ctx.networks,
            restart: "no",
            mustRun: false,
        },
        { ...ctx.child, dependsOn: [...after] },
    );
}
