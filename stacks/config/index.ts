/**
 * The config of a stack: keys and defaults (keys.ts), the schema (schema.ts), the rules across keys
 * (rules.ts), problems and how they read (problems.ts), and parsing (parse.ts).
 */
export * from "./keys";
export * from "./parse";
export * from "./problems";
export * from "./rules";
export * from "./schema";
