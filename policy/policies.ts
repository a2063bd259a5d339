import { Policies } from "@pulumi/policy";
import { accessProductionAdmins } from "./access-production-admins";
import { appPlatformProductionScale } from "./app-platform-production-scale";
import { appPlatformStateOffDisk } from "./app-platform-state-off-disk";
import { appPlatformUpgradeJob } from "./app-platform-upgrade-job";
import { dataProtection } from "./data-protection";
import { egressNoSmtp } from "./egress-no-smtp";
import { exposureAdminPorts } from "./exposure-admin-ports";
import { exposureBucketPrivate } from "./exposure-bucket-private";
import { exposureDatabaseCluster } from "./exposure-database-cluster";
import { exposureDatabaseManager } from "./exposure-database-manager";
import { exposureDnsTokenScope } from "./exposure-dns-token-scope";
import { exposureNoindex } from "./exposure-noindex";
import { exposureNonprodDoor } from "./exposure-nonprod-door";
import { exposureSpacesKeyScope } from "./exposure-spaces-key-scope";
import { exposureZoneTls } from "./exposure-zone-tls";
import { hygieneContainerLimits } from "./hygiene-container-limits";
import { hygieneDropletMonitoring } from "./hygiene-droplet-monitoring";
import { hygieneTags } from "./hygiene-tags";
import { isolationPreviewScope } from "./isolation-preview-scope";
import { isolationProductionReach } from "./isolation-production-reach";
import { isolationProductionReviewers } from "./isolation-production-reviewers";
import { neutralizationOdoo } from "./neutralization-odoo";
import { odooAddonsPath } from "./odoo-addons-path";
import { odooCommandLine } from "./odoo-command-line";

/** Every policy of the pack; a test holds this list and the policy files together. */
export const policies: Policies = [
    neutralizationOdoo,
    egressNoSmtp,
    odooAddonsPath,
    odooCommandLine,
    isolationProductionReach,
    isolationProductionReviewers,
    dataProtection,
    exposureAdminPorts,
    exposureBucketPrivate,
    exposureDatabaseManager,
    exposureNoindex,
    exposureNonprodDoor,
    exposureDnsTokenScope,
    exposureZoneTls,
    exposureSpacesKeyScope,
    isolationPreviewScope,
    exposureDatabaseCluster,
    appPlatformStateOffDisk,
    appPlatformUpgradeJob,
    appPlatformProductionScale,
    accessProductionAdmins,
    hygieneDropletMonitoring,
    hygieneTags,
    hygieneContainerLimits,
];
