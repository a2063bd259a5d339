/** Cron schedules as crond reads them (the backup container's busybox crond). */

const CRON_FIELDS = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    {
        name: "month",
        min: 1,
        max: 12,
        names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    },
    // 0 and 7 are both Sunday.
    {
        name: "day of week",
        min: 0,
        max: 7,
        names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
    },
] as const;

/**
 * What is wrong with a 5-field cron expression, as crond (busybox's, which runs the backup job)
 * reads it: `*`, numbers and names in range, `a-b` ranges, `,` lists, `/n` steps. Undefined when
 * it is fine.
 */
export function cronProblem(expression: string): string | undefined {
    const fields = expression.trim().split(/\s+/);
    if (fields.length !== 5) {
        return `must be 5 fields (minute hour day month weekday), got ${fields.length}`;
    }
    for (let i = 0; i < 5; i++) {
        const f = CRON_FIELDS[i];
        const names: readonly string[] = "names" in f ? f.names : [];
        const value = (v: string): number | undefined => {
            if (/^\d+$/.test(v)) return Number(v);
            const at = names.indexOf(v.toLowerCase());
            return at < 0 ? undefined : at + (f.name === "month" ? 1 : 0);
        };
        for (const part of fields[i].split(",")) {
            const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(part);
            if (m === null) return `${f.name} "${fields[i]}" is not cron syntax`;
            if (m[2] !== undefined && Number(m[2]) < 1) return `${f.name} step must be at least 1`;
            if (m[1] === "*") continue;
            const [lo, hi] = m[1].split("-").map(value);
            if (lo === undefined || (m[1].includes("-") && hi === undefined)) {
                return `${f.name} "${part}" is neither a number nor a name`;
            }
            for (const v of hi === undefined ? [lo] : [lo, hi]) {
                if (v < f.min || v > f.max) {
                    return `${f.name} ${v} is out of range ${f.min}-${f.max}`;
                }
            }
            if (hi !== undefined && hi < lo) return `${f.name} range ${m[1]} runs backwards`;
        }
    }
    return undefined;
}
