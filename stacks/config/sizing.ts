/**
 * Memory arithmetic of the droplet runtime, as pure functions. Odoo applies `limit_memory_hard` to
 * each process it forks (an address-space limit, `RLIMIT_AS`): the HTTP workers, the cron workers
 * and, with workers, the gevent process that serves `/websocket`. A container smaller than their
 * sum lets the kernel kill a worker mid-request before Odoo's own limit acts.
 */

/** Odoo's main process and its interpreter, which no limit covers. */
export const ODOO_MAIN_PROCESS_MB = 256;

export interface OdooProcesses {
    readonly workers: number;
    readonly cronThreads: number;
    readonly limitMemoryHardMb: number;
}

/** The processes Odoo runs under these settings, each at most `limitMemoryHardMb`. */
export function limitedProcesses(p: OdooProcesses): number {
    // Threaded mode (workers 0) is one process; prefork adds one cron worker per thread and the
    // gevent process that the prefork server starts whenever HTTP workers run.
    return p.workers === 0 ? 1 : p.workers + p.cronThreads + 1;
}

/** The smallest container that holds every Odoo process at its hard limit. */
export function odooMemoryNeedMb(p: OdooProcesses): number {
    return limitedProcesses(p) * p.limitMemoryHardMb + ODOO_MAIN_PROCESS_MB;
}

/** How the need reads in a problem: `(4 workers + 2 cron + 1 gevent) x 768 MB + 256 MB = 5632 MB`. */
export function odooMemoryArithmetic(p: OdooProcesses): string {
    const parts =
        p.workers === 0
            ? "1 threaded process"
            : `${p.workers} workers + ${p.cronThreads} cron + 1 gevent`;
    return (
        `(${parts}) x ${p.limitMemoryHardMb} MB (odooLimitMemoryHardMb) + ` +
        `${ODOO_MAIN_PROCESS_MB} MB main process = ${odooMemoryNeedMb(p)} MB`
    );
}

/**
 * Memory the droplet keeps for everything beside Odoo: the system and Docker, Traefik, the backup
 * container (limited to 256 MB), PostgreSQL in its container, Mailpit outside production (256 MB).
 */
export function hostReserveMb(o: { production: boolean; databaseContainer: boolean }): number {
    const system = 256;
    const traefik = 128;
    const backup = 256;
    const postgres = o.databaseContainer ? 512 : 0;
    const mailpit = o.production ? 0 : 256;
    return system + traefik + backup + postgres + mailpit;
}
