/** Placeholder: replaced by the page's owner. */
export function SignupPage() {
  return <p>SignupPage</p>;
}
