/** Generator diffs (wire protocol 3.4): `[action, path, value]` edits that turn the last value into the next. */

export type DiffAction = "replace" | "append" | "add" | "delete";
export type DiffPath = Array<string | number>;
export type DiffEdit = [DiffAction, DiffPath, unknown];

type Container = Record<string | number, unknown>;

function appendTo(current: unknown, value: unknown): unknown {
  if (Array.isArray(current)) return current.concat(Array.isArray(value) ? value : [value]);
  if (typeof current === "string") return current + String(value);
  if (current === null || current === undefined) return value;
  throw new Error(`cannot append to a ${typeof current}`);
}

function applyEdit(target: unknown, [action, path, value]: DiffEdit): unknown {
  if (path.length === 0) {
    if (action === "replace") return value;
    if (action === "append") return appendTo(target, value);
    throw new Error(`'${action}' needs a path`);
  }
  let parent = target as Container;
  for (const key of path.slice(0, -1)) parent = parent[key] as Container;
  const last = path[path.length - 1];
  switch (action) {
    case "replace":
      parent[last] = value;
      break;
    case "append":
      parent[last] = appendTo(parent[last], value);
      break;
    case "add":
      if (Array.isArray(parent)) parent.splice(Number(last), 0, value);
      else parent[last] = value;
      break;
    case "delete":
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
      break;
    default:
      throw new Error(`unknown diff action '${String(action)}'`);
  }
  return target;
}

/** Applies `edits` in order to a deep copy of `previous`; `previous` itself is left as it was. */
export function applyDiff(previous: unknown, edits: DiffEdit[]): unknown {
  let value: unknown = previous === undefined ? undefined : structuredClone(previous);
  for (const edit of edits) value = applyEdit(value, edit);
  return value;
}

