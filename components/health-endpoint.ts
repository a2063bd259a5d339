import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_LOGGING } from "./log-shipping";
import { labelList, pathRouteLabels } from "./traefik-labels";

/** What a status endpoint serves and where: see healthEndpoint. */
export interface HealthEndpointArgs {
    /** The image id of BACKUP_IMAGES.health (BusyBox, whose httpd runs the CGI). */
    readonly image: pulumi.Input<string>;
    /** The environment's host name, and the path on it the uptime check probes. */
    readonly host: string;
    readonly path: string;
    /** The CGI's file name under /srv/www/cgi-bin, and its script. */
    readonly cgiName: string;
    readonly cgi: string;
    readonly envs: pulumi.Input<string>[];
    /** What the CGI reads, mounted read-only. */
    readonly mount: docker.types.input.ContainerMount;
    readonly network: string;
}

/**
 * A status endpoint for an uptime check: BusyBox's httpd serving one CGI, routed by Traefik from
 * `https://<host><path>` (nothing else of the container is reachable), logging like every other
 * container. The container is named `name`, which is also its Traefik router.
 */
export function healthEndpoint(
    name: string,
    args: HealthEndpointArgs,
    opts: pulumi.CustomResourceOptions,
): docker.Container {
    return new docker.Container(
        name,
        {
            name,
            ...CONTAINER_LOGGING,
            image: args.image,
            command: ["httpd", "-f", "-p", "8080", "-h", "/srv/www"],
            envs: args.envs,
            uploads: [
                { file: `/srv/www/cgi-bin/${args.cgiName}`, content: args.cgi, executable: true },
            ],
            mounts: [{ ...args.mount, readOnly: true }],
            labels: labelList(
                pathRouteLabels({
                    router: name,
                    host: args.host,
                    path: args.path,
                    targetPath: `/cgi-bin/${args.cgiName}`,
                    port: 8080,
                    network: args.network,
                }),
            ),
            networksAdvanced: [{ name: args.network }],
            restart: "unless-stopped",
            memory: 32,
        },
        opts,
    );
}
