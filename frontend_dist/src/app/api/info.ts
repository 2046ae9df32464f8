/** The shape of `GET {root}{api_prefix}/info` (wire protocol, section 2), as far as the API page reads it. */

export interface PythonType {
  type: string;
  description?: string;
}

export interface ApiParameter {
  label?: string;
  parameter_name?: string | null;
  parameter_has_default?: boolean;
  parameter_default?: unknown;
  python_type?: PythonType;
  component?: string;
  example_input?: unknown;
}

export interface ApiReturn {
  label?: string;
  python_type?: PythonType;
  component?: string;
}

export interface ApiEndpoint {
  parameters: ApiParameter[];
  returns: ApiReturn[];
  description?: string;
  api_visibility?: string;
}

export interface ApiInfo {
  named_endpoints: Record<string, ApiEndpoint>;
  unnamed_endpoints?: Record<string, ApiEndpoint>;
}

/** Where the snippets point: the app's base URL (ends with "/") and its API prefix ("/gradio_api"). */
export interface ApiTarget {
  url: string;
  apiPrefix: string;
}

/** Builds the target from the config's `root` (which has no trailing slash) and `api_prefix`. */
export function apiTarget(root: string, apiPrefix: string): ApiTarget {
  return { url: root.endsWith("/") ? root : root + "/", apiPrefix: apiPrefix.replace(/\/+$/, "") };
}
