import { withSpan } from './tracing';

/**
 * A store whose every method call runs in a span `store.<method>` (attributes: the backend as
 * `db.system.name`, the method as `db.operation.name`). Wraps any object of async methods, so a
 * method added to the interface is traced without a change here; nothing else is touched: the
 * wrapped store answers exactly what the backend answers.
 */
export function tracedStore<S extends object>(store: S, backend: string): S {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      if (!wrapped.has(property)) {
        const method = value as (...args: unknown[]) => unknown;
        const attributes = { 'db.system.name': backend, 'db.operation.name': property };
        wrapped.set(property, (...args: unknown[]) =>
          withSpan(`store.${property}`, attributes, async () => method.apply(target, args)),
        );
      }
      return wrapped.get(property);
    },
  });
}
