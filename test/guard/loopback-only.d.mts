// Types for loopback-only.mjs (imported for its side effect: installing the guard).

/** True for 127.0.0.0/8, ::1 (and IPv4-mapped forms), `localhost`, 0.0.0.0, :: and an empty/absent host. */
export declare function isLoopbackHost(host: unknown): boolean;
