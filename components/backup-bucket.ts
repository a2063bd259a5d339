import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";

export interface BackupBucketArgs {
    /** Globally unique Spaces bucket name. */
    readonly bucketName: string;
    /** Spaces region of the bucket. Must differ from `hostRegion`. */
    readonly region: string;
    /**
     * Region of the host whose data the bucket backs up: a backup there is lost with it. Absent
     * for a bucket that holds live data next to its users (App Platform attachments).
     */
    readonly hostRegion?: string;
    /** What the key is for, in its name. @default "restic" */
    readonly keyPurpose?: string;
    /**
     * Days an overwritten or deleted object version is kept before it expires. restic's own
     * retention (7 daily / 4 weekly / 3 monthly) decides what is current; this bounds how long a
     * pruned or tampered pack stays recoverable. @default 30 days
     */
    readonly noncurrentVersionDays?: number;
    /** Protect the bucket against deletion (production). @default false */
    readonly protect?: boolean;
}

/**
 * Where the backup-download workflow puts the archive behind a short-lived link; the bucket
 * forgets it after a day, every version of it, whatever happens to the job.
 */
export const DOWNLOADS_PREFIX = "downloads/";

/** Lifecycle rules of the backup bucket, exported so tests and policies read one truth. */
export function backupLifecycleRules(noncurrentDays: number) {
    return [
        {
            id: "expire-noncurrent-versions",
            enabled: true,
            noncurrentVersionExpiration: { days: noncurrentDays },
            abortIncompleteMultipartUploadDays: 7,
        },
        {
            id: "expire-downloads",
            enabled: true,
            prefix: DOWNLOADS_PREFIX,
            expiration: { days: 1 },
            noncurrentVersionExpiration: { days: 1 },
            abortIncompleteMultipartUploadDays: 1,
        },
    ];
}

/**
 * Off-site backup storage: a private, versioned Spaces bucket with lifecycle rules, in another
 * region than the host, and a Spaces key that can read and write that bucket and nothing else.
 */
export class BackupBucket extends pulumi.ComponentResource {
    public readonly bucket: digitalocean.SpacesBucket;
    public readonly bucketName: pulumi.Output<string>;
    /** S3 endpoint of the bucket's region, e.g. `https://ams3.digitaloceanspaces.com`. */
    public readonly endpoint: string;
    public readonly accessKeyId: pulumi.Output<string>;
    /** Secret. */
    public readonly secretAccessKey: pulumi.Output<string>;

    constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("odoo-platform:backup:BackupBucket", name, {}, opts);
        if (args.hostRegion !== undefined && args.region === args.hostRegion) {
            throw new Error(
                `${name}: backup region must differ from the host region (${args.hostRegion}); ` +
                    "set backupRegion to another Spaces region",
            );
        }
        const protect = args.protect ?? false;

        this.bucket = new digitalocean.SpacesBucket(
            `${name}-bucket`,
            {
                name: args.bucketName,
                region: args.region,
                acl: "private",
                versioning: { enabled: true },
                lifecycleRules: backupLifecycleRules(args.noncurrentVersionDays ?? 30),
                forceDestroy: false,
            },
            { parent: this, protect, retainOnDelete: protect },
        );

        const key = new digitalocean.SpacesKey(
            `${name}-key`,
            {
                name: `${args.bucketName}-${args.keyPurpose ?? "restic"}`,
                grants: [{ bucket: this.bucket.name, permission: "readwrite" }],
            },
            { parent: this, additionalSecretOutputs: ["secretKey"] },
        );

        this.bucketName = this.bucket.name;
        this.endpoint = `https://${args.region}.digitaloceanspaces.com`;
        this.accessKeyId = key.accessKey;
        this.secretAccessKey = pulumi.secret(key.secretKey);

        this.registerOutputs({ bucketName: this.bucketName, endpoint: this.endpoint });
    }
}
