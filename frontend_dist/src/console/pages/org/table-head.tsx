/** The header row of the org pages' tables: one column per name, then (with `actions`) the row buttons' column, named for screen readers only. */
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
            <span class="pc-visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
