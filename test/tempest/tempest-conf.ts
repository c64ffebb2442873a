// tempest.conf for the harnesses: dynamic credentials under the private Keystone's admin, only designate
// available, the nameserver the scenario tests query (zonecast's DNS port, or the BIND target of Designate's
// pool), and the [dns_feature_enabled] flags of the API zonecast implements, which Designate 15.0.2 has too.
export interface TempestConfInput {
  keystoneUrl: string;
  adminPassword: string;
  /** HOST:PORT the scenario tests query for what they made. */
  nameserver: string;
  logFile: string;
}

export function tempestConf(input: TempestConfInput): string {
  const sections: Record<string, Record<string, string>> = {
    DEFAULT: { log_file: input.logFile, use_stderr: 'false' },
    auth: {
      use_dynamic_credentials: 'true', admin_username: 'admin', admin_password: input.adminPassword,
      admin_project_name: 'admin', admin_domain_name: 'Default', create_isolated_networks: 'false',
    },
    identity: { uri_v3: input.keystoneUrl, auth_version: 'v3', region: 'RegionOne', disable_ssl_certificate_validation: 'true' },
    'identity-feature-enabled': { api_v2: 'false' },
    service_available: { designate: 'true', nova: 'false', neutron: 'false', cinder: 'false', glance: 'false', swift: 'false' },
    dns: { nameservers: input.nameserver, build_timeout: '60', build_interval: '1', query_timeout: '1' },
    // The v2 API with /v2/recordsets and /v2/quotas; no v1 admin API (zonecast has none, nor has Designate since Queens).
    dns_feature_enabled: {
      api_v2: 'true', api_admin: 'false', api_v2_root_recordsets: 'true', api_v2_quotas: 'true',
      api_v2_quotas_verify_project: 'false', bug_1573141_fixed: 'true', enforce_new_defaults: 'false',
    },
    enforce_scope: { designate: 'false' },
  };
  return Object.entries(sections).map(([name, options]) =>
    [`[${name}]`, ...Object.entries(options).map(([k, v]) => `${k} = ${v}`)].join('\n')).join('\n\n') + '\n';
}
