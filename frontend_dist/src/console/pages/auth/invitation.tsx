/** Placeholder: replaced by the page's owner. */
export function InvitationPage(_props: { token: string }) {
  return <p>InvitationPage</p>;
}
