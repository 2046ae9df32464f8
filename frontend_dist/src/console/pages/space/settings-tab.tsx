/** The Settings tab (admins only): general settings, secrets and variables. */
import type { Space } from "../../types";
import { SecretsSection, VariablesSection } from "./env-settings";
import { GeneralSettings } from "./general-settings";

export function SettingsTab({ space, onChange }: { space: Space; onChange: (space: Space) => void }) {
  return (
    <>
      <GeneralSettings space={space} onChange={onChange} />
      <SecretsSection space={space} />
      <VariablesSection space={space} />
    </>
  );
}
