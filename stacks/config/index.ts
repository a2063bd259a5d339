/**
 * The config of a stack: keys (keys.ts), defaults and keys per stage and runtime (stages.ts), the
 * schema (schema.ts), the rules across keys (rules.ts, concerns.ts), problems and how they read (problems.ts),
 * and parsing (parse.ts).
 */
export * from "./concerns";
export * from "./keys";
export * from "./parse";
export * from "./problems";
export * from "./rules";
export * from "./schema";
export * from "./stages";
