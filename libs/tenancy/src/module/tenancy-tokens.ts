/** Injection token of the validated {@link ResolvedTenancyOptions}. */
export const RESOLVED_TENANCY_OPTIONS = Symbol.for('momentum:tenancy:resolved-options');
