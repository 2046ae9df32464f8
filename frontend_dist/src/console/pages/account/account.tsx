/** Placeholder: replaced by the page's owner. */
export function AccountPage(_props: { tab: string }) {
  return <p>AccountPage</p>;
}
