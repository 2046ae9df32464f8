/** Placeholder: replaced by the page's owner. */
export function NewSpacePage() {
  return <p>NewSpacePage</p>;
}
