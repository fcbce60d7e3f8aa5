/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsers for watchlist files, both untrusted input: CSV (RFC 4180 quoting,
 * the fixed header of issue 4) and the UN Security Council Consolidated
 * List XML (libxml2, network and DTD loading off, entities not expanded, a
 * document type declaration refused, depth and size capped). They only
 * build struct ubur_wl_entry values in an arena; nothing touches the store,
 * so a file that fails to parse changes nothing. Every error names the line
 * or entry and the field.
 */
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/watchlist.h"
#include "ubur/banned.h"

#define CSV_MAX_LINE 65536
#define FIELD_MAX 4096

const char *
ubur_wl_action(const char *s)
{
    static const char *const actions[] = {"refuse_entry", "arrest", "discreet_check",
                                          "inform_issuing_state", NULL};
    char buf[40];
    size_t o = 0;
    if (!s)
        return NULL;
    for (; *s && o + 1 < sizeof(buf); s++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c == ' ' || c == '-')
            c = '_';
        buf[o++] = c;
    }
    buf[o] = '\0';
    for (int i = 0; actions[i]; i++)
        if (!strcmp(buf, actions[i]))
            return actions[i];
    return NULL;
}

static char *
json_take(struct ubur_arena *a, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
    char *r = ubur_arena_strdup(a, s ? s : "null");
    free(s);
    json_decref(j);
    return r;
}

static char *
trim_dup(struct ubur_arena *a, const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    /* collapse inner runs of whitespace (the UN list wraps lines) */
    char *out = ubur_arena_alloc(a, n + 1);
    size_t o = 0;
    bool sp = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        if (c == ' ') {
            if (sp)
                continue;
            sp = true;
        } else {
            sp = false;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

static void
push_name(struct ubur_arena *a, struct ubur_wl_entry *e, int *cap, const char *name,
          const char *quality)
{
    if (!name || !*name || e->nnames >= UBUR_WL_MAX_NAMES)
        return;
    for (int i = 0; i < e->nnames; i++)
        if (!strcmp(e->names[i].name, name))
            return; /* the same spelling twice adds nothing */
    if (e->nnames == *cap) {
        int nc = *cap ? *cap * 2 : 4;
        struct ubur_wl_name *n = ubur_arena_alloc(a, sizeof(*n) * (size_t)nc);
        if (e->nnames)
            memcpy(n, e->names, sizeof(*n) * (size_t)e->nnames);
        e->names = n;
        *cap = nc;
    }
    e->names[e->nnames].name = name;
    e->names[e->nnames].quality = quality;
    e->nnames++;
}

/* Checks a name: valid UTF-8, bounded, has letters. */
static int
check_name(const char *name, const char *field, long line, struct ubur_error *err)
{
    struct ubur_name p;
    struct ubur_error e2 = UBUR_ERROR_INIT;
    if (ubur_name_parse(&p, name, &e2))
        return ubur_error_field(err, UBUR_EINVAL, field, "line %ld: %s", line, e2.message);
    return 0;
}

static void
entries_push(struct ubur_arena *a, struct ubur_wl_parsed *out, size_t *cap,
             const struct ubur_wl_entry *e)
{
    if (out->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        struct ubur_wl_entry *n = ubur_arena_alloc(a, sizeof(*n) * nc);
        if (out->n)
            memcpy(n, out->entries, sizeof(*n) * out->n);
        out->entries = n;
        *cap = nc;
    }
    out->entries[out->n++] = *e;
}

/* ------------------------------------------------------------------- CSV */

/* Reads one CSV record into fields; returns fields read, 0 at end, <0 on error. */
static int
csv_record(const char **pp, const char *end, struct ubur_arena *a, char **fields, int max,
           long *line, struct ubur_error *err)
{
    const char *p = *pp;
    int nf = 0;
    if (p >= end)
        return 0;
    long start_line = *line;
    struct ubur_buf f = UBUR_BUF_INIT;
    f.cap = FIELD_MAX;
    for (;;) {
        ubur_buf_reset(&f);
        bool quoted = false;
        if (p < end && *p == '"') {
            quoted = true;
            p++;
            for (;;) {
                if (p >= end) {
                    ubur_buf_release(&f);
                    return ubur_error_set(err, UBUR_EINVAL, "line %ld: unterminated quoted field",
                                          start_line);
                }
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        ubur_buf_addch(&f, '"');
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n')
                    (*line)++;
                if (ubur_buf_addch(&f, *p)) {
                    ubur_buf_release(&f);
                    return ubur_error_set(err, UBUR_ETOOBIG, "line %ld: field longer than %d bytes",
                                          start_line, FIELD_MAX);
                }
                p++;
            }
        }
        while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
            if (quoted || *p == '"') {
                ubur_buf_release(&f);
                return ubur_error_set(err, UBUR_EINVAL, "line %ld: stray quote in field %d",
                                      start_line, nf + 1);
            }
            if (ubur_buf_addch(&f, *p)) {
                ubur_buf_release(&f);
                return ubur_error_set(err, UBUR_ETOOBIG, "line %ld: field longer than %d bytes",
                                      start_line, FIELD_MAX);
            }
            p++;
        }
        if (nf >= max) {
            ubur_buf_release(&f);
            return ubur_error_set(err, UBUR_EINVAL, "line %ld: more than %d fields", start_line,
                                  max);
        }
        fields[nf++] = trim_dup(a, f.s, f.len);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '\r')
            p++;
        if (p < end && *p == '\n')
            p++;
        (*line)++;
        break;
    }
    ubur_buf_release(&f);
    *pp = p;
    return nf;
}

/* Splits "a;b;c" into names of quality q. */
static void
split_aliases(struct ubur_arena *a, struct ubur_wl_entry *e, int *cap, const char *s)
{
    while (*s) {
        const char *semi = strchr(s, ';');
        size_t n = semi ? (size_t)(semi - s) : strlen(s);
        char *name = trim_dup(a, s, n);
        push_name(a, e, cap, name, "good");
        s += n;
        if (*s == ';')
            s++;
    }
}

int
ubur_wl_parse_csv(const char *data, size_t len, struct ubur_arena *a, struct ubur_wl_parsed *out,
                  struct ubur_error *err)
{
    static const char *const header[] = {"reference",   "name", "aliases", "dob",
                                         "nationality", "sex",  "action"};
    const char *p = data, *end = data + len;
    char *f[8];
    long line = 1;
    size_t cap = 0;
    memset(out, 0, sizeof(*out));
    if (len > UBUR_WL_MAX_FILE)
        return ubur_error_set(err, UBUR_ETOOBIG, "file larger than %u bytes", UBUR_WL_MAX_FILE);
    if (!ubur_utf8_valid(data, len))
        return ubur_error_set(err, UBUR_EINVAL, "file is not UTF-8 text");
    if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
        p += 3;
    int nf = csv_record(&p, end, a, f, 8, &line, err);
    if (nf < 0)
        return nf;
    if (nf != 7)
        goto bad_header;
    for (int i = 0; i < 7; i++)
        if (strcmp(f[i], header[i]))
            goto bad_header;

    struct ubur_person_facts dummy;
    (void)dummy;
    for (;;) {
        long at = line;
        nf = csv_record(&p, end, a, f, 8, &line, err);
        if (nf < 0)
            return nf;
        if (nf == 0)
            break;
        if (nf == 1 && !f[0][0])
            continue; /* blank line */
        if (nf != 7)
            return ubur_error_set(err, UBUR_EINVAL, "line %ld: %d fields, expected 7", at, nf);
        if (out->n >= UBUR_WL_MAX_ENTRIES)
            return ubur_error_set(err, UBUR_ETOOBIG, "more than %d entries", UBUR_WL_MAX_ENTRIES);
        struct ubur_wl_entry e;
        memset(&e, 0, sizeof(e));
        int ncap = 0;
        if (!f[0][0])
            return ubur_error_field(err, UBUR_EINVAL, "reference", "line %ld: reference is empty",
                                    at);
        if (strlen(f[0]) > 64)
            return ubur_error_field(err, UBUR_EINVAL, "reference",
                                    "line %ld: reference longer than 64 bytes", at);
        e.reference = f[0];
        e.kind = "person";
        if (!f[1][0])
            return ubur_error_field(err, UBUR_EINVAL, "name", "line %ld: name is empty", at);
        int rc = check_name(f[1], "name", at, err);
        if (rc)
            return rc;
        e.primary_name = f[1];
        push_name(a, &e, &ncap, f[1], "primary");
        split_aliases(a, &e, &ncap, f[2]);
        for (int i = 1; i < e.nnames; i++)
            if ((rc = check_name(e.names[i].name, "aliases", at, err)))
                return rc;
        json_t *dobs = json_array();
        if (f[3][0]) {
            struct ubur_dob d;
            struct ubur_error e2 = UBUR_ERROR_INIT;
            if (ubur_dob_parse(f[3], &d, &e2) || d.kind == UBUR_DOB_RANGE || d.circa) {
                json_decref(dobs);
                return ubur_error_field(err, UBUR_EINVAL, "dob",
                                        "line %ld: '%.40s' is not YYYY, YYYY-MM or YYYY-MM-DD", at,
                                        f[3]);
            }
            char c[32];
            ubur_dob_format(&d, c);
            json_array_append_new(dobs, json_string(c));
        }
        e.dobs_json = json_take(a, dobs);
        json_t *nats = json_array();
        if (f[4][0]) {
            char a3[4];
            if (!ubur_country_alpha3(f[4], a3) || strlen(f[4]) > 3) {
                json_decref(nats);
                return ubur_error_field(err, UBUR_EINVAL, "nationality",
                                        "line %ld: '%.40s' is not an ISO 3166 alpha-2 or alpha-3 "
                                        "code",
                                        at, f[4]);
            }
            json_array_append_new(nats, json_string(a3));
        }
        e.nats_json = json_take(a, nats);
        if (f[5][0]) {
            if ((f[5][0] == 'M' || f[5][0] == 'F') && !f[5][1])
                e.sex = f[5][0];
            else
                return ubur_error_field(err, UBUR_EINVAL, "sex",
                                        "line %ld: sex '%.10s' is not M or F", at, f[5]);
        }
        if (f[6][0]) {
            e.action = ubur_wl_action(f[6]);
            if (!e.action)
                return ubur_error_field(err, UBUR_EINVAL, "action",
                                        "line %ld: action '%.40s' is not refuse_entry, arrest, "
                                        "discreet_check or inform_issuing_state",
                                        at, f[6]);
        } else {
            e.action = "discreet_check";
        }
        e.pobs_json = "[]";
        e.docs_json = "[]";
        e.details_json = "{}";
        entries_push(a, out, &cap, &e);
    }
    return 0;

bad_header:
    return ubur_error_set(err, UBUR_EINVAL,
                          "line 1: the header must be reference,name,aliases,dob,nationality,sex,"
                          "action");
}

/* ------------------------------------------------------------------- XML */

static const char *
xtext(struct ubur_arena *a, xmlNode *n)
{
    xmlChar *c = xmlNodeGetContent(n);
    if (!c)
        return "";
    char *r = trim_dup(a, (const char *)c, strlen((const char *)c));
    xmlFree(c);
    return r;
}

static bool
is(xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static xmlNode *
child(xmlNode *n, const char *name)
{
    for (xmlNode *c = n->children; c; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

static const char *
child_text(struct ubur_arena *a, xmlNode *n, const char *name)
{
    xmlNode *c = child(n, name);
    return c ? xtext(a, c) : "";
}

static int
check_depth(xmlNode *n, int depth)
{
    if (depth > UBUR_WL_MAX_XML_DEPTH)
        return -1;
    for (xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && check_depth(c, depth + 1))
            return -1;
    return 0;
}

static int
un_entry(struct ubur_arena *a, xmlNode *n, bool person, struct ubur_wl_entry *e,
         struct ubur_error *err)
{
    int ncap = 0;
    memset(e, 0, sizeof(*e));
    e->kind = person ? "person" : "entity";
    e->reference = child_text(a, n, "REFERENCE_NUMBER");
    const char *dataid = child_text(a, n, "DATAID");
    if (!e->reference[0])
        return ubur_error_field(err, UBUR_EINVAL, "REFERENCE_NUMBER",
                                "entry DATAID %.20s has no REFERENCE_NUMBER", dataid);
    struct ubur_buf nm = UBUR_BUF_INIT;
    static const char *const parts[] = {"FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"};
    for (int i = 0; i < 4; i++) {
        const char *t = child_text(a, n, parts[i]);
        if (!t[0] || !strcmp(t, "na"))
            continue;
        if (nm.len)
            ubur_buf_addch(&nm, ' ');
        ubur_buf_adds(&nm, t);
    }
    e->primary_name = ubur_arena_strdup(a, nm.s);
    ubur_buf_release(&nm);
    if (!e->primary_name[0])
        return ubur_error_field(err, UBUR_EINVAL, "FIRST_NAME", "entry %.40s has no name",
                                e->reference);
    struct ubur_name p;
    if (ubur_name_parse(&p, e->primary_name, NULL))
        return ubur_error_field(err, UBUR_EINVAL, "FIRST_NAME",
                                "entry %.40s: name '%.60s' has no letters or is too long",
                                e->reference, e->primary_name);
    push_name(a, e, &ncap, e->primary_name, "primary");
    const char *orig = child_text(a, n, "NAME_ORIGINAL_SCRIPT");
    if (orig[0] && !ubur_name_parse(&p, orig, NULL)) {
        e->original_script_name = orig;
        push_name(a, e, &ncap, orig, "original");
    }
    const char *g = child_text(a, n, "GENDER");
    e->sex = !strcmp(g, "Male") ? 'M' : !strcmp(g, "Female") ? 'F' : 0;

    json_t *dobs = json_array(), *nats = json_array(), *pobs = json_array(), *docs = json_array(),
           *details = json_object(), *unknown_nat = json_array();
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is(c, "INDIVIDUAL_ALIAS") || is(c, "ENTITY_ALIAS")) {
            const char *an = child_text(a, c, "ALIAS_NAME");
            const char *q = child_text(a, c, "QUALITY");
            if (an[0] && !ubur_name_parse(&p, an, NULL))
                push_name(a, e, &ncap, an, !strcmp(q, "Low") ? "low" : "good");
        } else if (is(c, "NATIONALITY")) {
            for (xmlNode *v = c->children; v; v = v->next) {
                if (!is(v, "VALUE"))
                    continue;
                const char *t = xtext(a, v);
                char a3[4];
                if (!t[0])
                    continue;
                if (ubur_country_alpha3(t, a3))
                    json_array_append_new(nats, json_string(a3));
                else
                    json_array_append_new(unknown_nat, json_string(t));
            }
        } else if (is(c, "INDIVIDUAL_DATE_OF_BIRTH")) {
            const char *type = child_text(a, c, "TYPE_OF_DATE");
            const char *date = child_text(a, c, "DATE"), *year = child_text(a, c, "YEAR");
            const char *from = child_text(a, c, "FROM_YEAR"), *to = child_text(a, c, "TO_YEAR");
            char buf[40] = "";
            bool circa = !strcmp(type, "APPROXIMATELY");
            if (date[0])
                snprintf(buf, sizeof(buf), "%s%.10s", circa ? "~" : "", date);
            else if (year[0])
                snprintf(buf, sizeof(buf), "%s%.4s", circa ? "~" : "", year);
            else if (from[0] && to[0])
                snprintf(buf, sizeof(buf), "%.4s..%.4s", from, to);
            struct ubur_dob d;
            if (buf[0] && !ubur_dob_parse(buf, &d, NULL) && d.kind) {
                char canon[32];
                ubur_dob_format(&d, canon);
                json_array_append_new(dobs, json_string(canon));
            }
        } else if (is(c, "INDIVIDUAL_PLACE_OF_BIRTH")) {
            json_t *o = json_object();
            const char *city = child_text(a, c, "CITY"), *st = child_text(a, c, "STATE_PROVINCE"),
                       *co = child_text(a, c, "COUNTRY");
            if (city[0])
                json_object_set_new(o, "city", json_string(city));
            if (st[0])
                json_object_set_new(o, "state", json_string(st));
            if (co[0])
                json_object_set_new(o, "country", json_string(co));
            if (json_object_size(o))
                json_array_append_new(pobs, o);
            else
                json_decref(o);
        } else if (is(c, "INDIVIDUAL_DOCUMENT")) {
            json_t *o = json_object();
            static const char *const f[] = {"TYPE_OF_DOCUMENT", "TYPE_OF_DOCUMENT2", "NUMBER",
                                            "ISSUING_COUNTRY",  "DATE_OF_ISSUE",     "NOTE"};
            static const char *const k[] = {"type",      "type2", "number", "issuing_country",
                                            "issued_on", "note"};
            for (int i = 0; i < 6; i++) {
                const char *t = child_text(a, c, f[i]);
                if (t[0])
                    json_object_set_new(o, k[i], json_string(t));
            }
            if (json_object_size(o))
                json_array_append_new(docs, o);
            else
                json_decref(o);
        }
    }
    const char *comments = child_text(a, n, "COMMENTS1");
    const char *list_type = child_text(a, n, "UN_LIST_TYPE");
    if (comments[0])
        json_object_set_new(details, "comments", json_string(comments));
    if (dataid[0])
        json_object_set_new(details, "un_dataid", json_string(dataid));
    if (json_array_size(unknown_nat))
        json_object_set_new(details, "nationality_text", unknown_nat);
    else
        json_decref(unknown_nat);
    xmlNode *des = child(n, "DESIGNATION");
    if (des) {
        json_t *arr = json_array();
        for (xmlNode *v = des->children; v; v = v->next)
            if (is(v, "VALUE"))
                json_array_append_new(arr, json_string(xtext(a, v)));
        json_object_set_new(details, "designation", arr);
    }
    xmlNode *title = child(n, "TITLE");
    if (title) {
        json_t *arr = json_array();
        for (xmlNode *v = title->children; v; v = v->next)
            if (is(v, "VALUE"))
                json_array_append_new(arr, json_string(xtext(a, v)));
        json_object_set_new(details, "title", arr);
    }
    e->dobs_json = json_take(a, dobs);
    e->nats_json = json_take(a, nats);
    e->pobs_json = json_take(a, pobs);
    e->docs_json = json_take(a, docs);
    e->details_json = json_take(a, details);
    e->reason = list_type[0] ? ubur_arena_printf(a, "UN Security Council sanctions: %s", list_type)
                             : "UN Security Council sanctions";
    e->alert_category = "sanctions";
    e->action = "refuse_entry"; /* UN sanctions carry a travel ban */
    const char *lo = child_text(a, n, "LISTED_ON");
    e->listed_on = lo[0] ? lo : NULL;
    return 0;
}

int
ubur_wl_parse_un_xml(const char *data, size_t len, struct ubur_arena *a, struct ubur_wl_parsed *out,
                     struct ubur_error *err)
{
    size_t cap = 0;
    int rc = 0;
    memset(out, 0, sizeof(*out));
    if (len > UBUR_WL_MAX_FILE)
        return ubur_error_set(err, UBUR_ETOOBIG, "file larger than %u bytes", UBUR_WL_MAX_FILE);
    if (len > INT32_MAX)
        return ubur_error_set(err, UBUR_ETOOBIG, "file too large");
    xmlDoc *doc = xmlReadMemory(data, (int)len, "watchlist.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *xe = xmlGetLastError();
        return ubur_error_set(err, UBUR_EINVAL, "not well-formed XML%s%s (line %d)",
                              xe && xe->message ? ": " : "", xe && xe->message ? xe->message : "",
                              xe ? xe->line : 0);
    }
    if (doc->intSubset || doc->extSubset) {
        rc = ubur_error_set(err, UBUR_EINVAL, "document type declarations are not accepted");
        goto out;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !is(root, "CONSOLIDATED_LIST")) {
        rc = ubur_error_set(err, UBUR_EINVAL, "root element is not CONSOLIDATED_LIST");
        goto out;
    }
    if (check_depth(root, 1)) {
        rc = ubur_error_set(err, UBUR_EINVAL, "XML nested deeper than %d elements",
                            UBUR_WL_MAX_XML_DEPTH);
        goto out;
    }
    xmlChar *gen = xmlGetProp(root, (const xmlChar *)"dateGenerated");
    if (gen) {
        out->generated_at = ubur_arena_strdup(a, (const char *)gen);
        xmlFree(gen);
    }
    for (xmlNode *sec = root->children; sec; sec = sec->next) {
        bool people = is(sec, "INDIVIDUALS"), ents = is(sec, "ENTITIES");
        if (!people && !ents)
            continue;
        for (xmlNode *n = sec->children; n; n = n->next) {
            if (!is(n, people ? "INDIVIDUAL" : "ENTITY"))
                continue;
            if (out->n >= UBUR_WL_MAX_ENTRIES) {
                rc = ubur_error_set(err, UBUR_ETOOBIG, "more than %d entries", UBUR_WL_MAX_ENTRIES);
                goto out;
            }
            struct ubur_wl_entry e;
            if ((rc = un_entry(a, n, people, &e, err)))
                goto out;
            entries_push(a, out, &cap, &e);
        }
    }
    if (out->n == 0)
        rc = ubur_error_set(err, UBUR_EINVAL, "no INDIVIDUAL or ENTITY in the file");
out:
    xmlFreeDoc(doc);
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}
