/** A table's header row: one column per name, then (unless `actions` is false) the row buttons' column, named
 * for screen readers only. */
export function TableHead({ columns, actions = true }: { columns: readonly string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column} scope="col">
            {column}
          </th>
        ))}
        {actions && (
          <th scope="col">
            <span class="pc-sr-only">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
