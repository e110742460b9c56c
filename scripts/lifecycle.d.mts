import type { Server } from 'node:http';

export declare const SDK_MINIMUM_NODE_MAJOR: number;
export declare const SDK_NODE_WARNING_VARIABLE: string;
export declare function nodeSupportNotice(version: string): string | undefined;
export declare const SDK_V2_NOTE_VARIABLE: string;
export declare function quietAwsSdkNotices(env: Record<string, string | undefined>): void;
export declare const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS: number;
export declare function shutdownTimeoutMs(value: string | undefined): number;
export declare function drainOnSignal(
  server: Server,
  options: { timeoutMs: number; log: (line: string) => void; exit?: (code: number) => void },
): void;
export declare const SHUTDOWN_HOOKS: unique symbol;
export declare function runShutdownHooks(withinMs: number): Promise<void>;
