/** Placeholder: replaced by the page's owner. */
export function LoginPage() {
  return <p>LoginPage</p>;
}
