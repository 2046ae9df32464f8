/** Placeholder: replaced by the page's owner. */
export function NewOrgPage() {
  return <p>NewOrgPage</p>;
}
