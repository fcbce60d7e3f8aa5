/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The route table: one array per resource, each defined in its api_<name>.c
 * and listed here. Every row names its method, path, handler, allowed roles,
 * summary and body fields; the OpenAPI document and the access-control
 * matrix test are generated from these rows. One declaration and one entry
 * per resource, so concurrent additions merge line by line.
 */
#include "http.h"

extern const struct ubur_http_route ubur_api_system_routes[];
extern const struct ubur_http_route ubur_api_session_routes[];
extern const struct ubur_http_route ubur_api_users_routes[];
extern const struct ubur_http_route ubur_api_audit_routes[];
extern const struct ubur_http_route ubur_api_documents_routes[];
extern const struct ubur_http_route ubur_api_border_routes[];
extern const struct ubur_http_route ubur_api_screening_routes[];
extern const struct ubur_http_route ubur_api_exchange_routes[];
extern const struct ubur_http_route ubur_api_registry_routes[];
extern const struct ubur_http_route ubur_api_visa_routes[];
extern const struct ubur_http_route ubur_api_sync_routes[];

const struct ubur_http_route *const ubur_http_routes[] = {
    ubur_api_system_routes,    ubur_api_session_routes,   ubur_api_users_routes,
    ubur_api_audit_routes,     ubur_api_documents_routes, ubur_api_border_routes,
    ubur_api_screening_routes, ubur_api_exchange_routes,  ubur_api_registry_routes,
    ubur_api_visa_routes,      ubur_api_sync_routes,      NULL,
};
