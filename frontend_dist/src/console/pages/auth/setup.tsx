/** Placeholder: replaced by the page's owner. */
export function SetupPage() {
  return <p>SetupPage</p>;
}
