import type { ChildProcess } from 'node:child_process';

/**
 * The bench's two processes talk over Node's IPC channel: the parent (which runs the embedded
 * Cognito, as the launcher does) sends tasks to the app worker (which runs the app's own
 * modules, as the Next server does); the worker asks the parent for the emulator's call counts.
 */

export type CallCounts = Record<string, number>;

export type ToWorker =
  { type: 'task'; id: number; task: string; options: unknown } | { type: 'calls'; id: number; calls: CallCounts };

export type FromWorker =
  { type: 'result'; id: number; result?: unknown; error?: string } | { type: 'calls?'; id: number };

/** Parent side: runs a task in the worker and answers its call-count questions meanwhile. */
export function workerClient(child: ChildProcess, calls: () => CallCounts) {
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: FromWorker) => {
    if (message.type === 'calls?') {
      child.send({ type: 'calls', id: message.id, calls: calls() } satisfies ToWorker);
      return;
    }
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.error) waiting.reject(new Error(message.error));
    else waiting.resolve(message.result);
  });
  child.on('exit', (code) => {
    for (const waiting of pending.values()) waiting.reject(new Error(`app worker exited (${code})`));
    pending.clear();
  });
  return {
    run<T>(task: string, options: unknown): Promise<T> {
      const id = ++nextId;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ type: 'task', id, task, options } satisfies ToWorker);
      });
    },
  };
}
