/** Placeholder: replaced by the page's owner. */
export function SpacePage(_props: { owner: string; name: string; tab: string }) {
  return <p>SpacePage</p>;
}
