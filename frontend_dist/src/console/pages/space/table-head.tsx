/** The header row of the Space pages' tables: one column per name, then the row buttons' column, named for screen readers only. */
export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column} scope="col">
            {column}
          </th>
        ))}
        <th scope="col">
          <span class="pc-space-sr">Actions</span>
        </th>
      </tr>
    </thead>
  );
}
