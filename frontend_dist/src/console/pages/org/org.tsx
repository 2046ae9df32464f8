/** Placeholder: replaced by the page's owner. */
export function OrgPage(_props: { org: string; tab: string }) {
  return <p>OrgPage</p>;
}
