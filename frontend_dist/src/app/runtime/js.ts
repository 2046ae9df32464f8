/** Frontend `js=` handlers: the string is a JS function; it runs in the page with the input values. */

type AsyncFn = (args: unknown[]) => Promise<unknown[]>;

const cache = new Map<string, AsyncFn>();

/**
 * Compiles `source` as Gradio does: a single input (backend_fn) or single output (js only) that is not
 * an array is wrapped in a list; `undefined` gives no values.
 */
export function compileJs(source: string, wrapSingle: boolean): AsyncFn {
  const key = `${wrapSingle ? 1 : 0}:${source}`;
  let fn = cache.get(key);
  if (!fn) {
    const user = new Function(`return (${source});`)() as unknown;
    if (typeof user !== "function") throw new Error("js= must be a function");
    fn = async (args) => {
      const result: unknown = await (user as (...a: unknown[]) => unknown)(...args);
      if (result === undefined) return [];
      return wrapSingle && !Array.isArray(result) ? [result] : (result as unknown[]);
    };
    cache.set(key, fn);
  }
  return fn;
}
