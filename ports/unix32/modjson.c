// unix32: a small `json` module (upstream's extmod/modjson.c is not in the
// sdists).  Boards have json; the spec runner (tests/spec/run_spec.py) needs
// load() and dumps().  Provides load(stream), loads(str|bytes), dumps(obj).

#include <string.h>

#include "py/objstr.h"
#include "py/parsenum.h"
#include "py/runtime.h"
#include "py/stream.h"

typedef struct {
    const char *p, *end;
} json_in_t;

static NORETURN void syntax_error(void) {
    mp_raise_ValueError(MP_ERROR_TEXT("syntax error in JSON"));
}

static void skip_ws(json_in_t *in) {
    while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r')) {
        in->p++;
    }
}

static bool match(json_in_t *in, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(in->end - in->p) >= n && memcmp(in->p, word, n) == 0) {
        in->p += n;
        return true;
    }
    return false;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    syntax_error();
}

static mp_obj_t parse_string(json_in_t *in) {
    in->p++;  // opening quote
    vstr_t v;
    vstr_init(&v, 16);
    while (in->p < in->end && *in->p != '"') {
        char c = *in->p++;
        if (c == '\\') {
            if (in->p >= in->end) {
                syntax_error();
            }
            c = *in->p++;
            switch (c) {
                case 'b': c = '\b'; break;
                case 'f': c = '\f'; break;
                case 'n': c = '\n'; break;
                case 'r': c = '\r'; break;
                case 't': c = '\t'; break;
                case 'u': {
                    if (in->end - in->p < 4) {
                        syntax_error();
                    }
                    unichar u = 0;
                    for (int i = 0; i < 4; i++) {
                        u = (u << 4) | hex_digit(*in->p++);
                    }
                    // a surrogate pair encodes one code point above U+FFFF
                    if (u >= 0xD800 && u < 0xDC00 && in->end - in->p >= 6
                        && in->p[0] == '\\' && in->p[1] == 'u') {
                        unichar lo = 0;
                        for (int i = 2; i < 6; i++) {
                            lo = (lo << 4) | hex_digit(in->p[i]);
                        }
                        if (lo >= 0xDC00 && lo < 0xE000) {
                            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                            in->p += 6;
                        }
                    }
                    vstr_add_char(&v, u);
                    continue;
                }
                default: break;   // \" \\ \/
            }
        }
        vstr_add_byte(&v, c);
    }
    if (in->p >= in->end) {
        syntax_error();
    }
    in->p++;  // closing quote
    return mp_obj_new_str_from_vstr(&v);
}

static mp_obj_t parse_value(json_in_t *in, int depth);

static mp_obj_t parse_number(json_in_t *in) {
    const char *start = in->p;
    bool is_float = false;
    while (in->p < in->end) {
        char c = *in->p;
        if (c == '.' || c == 'e' || c == 'E') {
            is_float = true;
        } else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9'))) {
            break;
        }
        in->p++;
    }
    if (in->p == start) {
        syntax_error();
    }
    if (is_float) {
        return mp_parse_num_float(start, in->p - start, false, NULL);
    }
    return mp_parse_num_integer(start, in->p - start, 10, NULL);
}

static mp_obj_t parse_value(json_in_t *in, int depth) {
    if (depth > 200) {
        syntax_error();
    }
    skip_ws(in);
    if (in->p >= in->end) {
        syntax_error();
    }
    char c = *in->p;
    if (c == '"') {
        return parse_string(in);
    }
    if (c == '{' || c == '[') {
        bool is_dict = c == '{';
        in->p++;
        mp_obj_t o = is_dict ? mp_obj_new_dict(0) : mp_obj_new_list(0, NULL);
        skip_ws(in);
        if (in->p < in->end && *in->p == (is_dict ? '}' : ']')) {
            in->p++;
            return o;
        }
        for (;;) {
            if (is_dict) {
                skip_ws(in);
                if (in->p >= in->end || *in->p != '"') {
                    syntax_error();
                }
                mp_obj_t key = parse_string(in);
                skip_ws(in);
                if (in->p >= in->end || *in->p++ != ':') {
                    syntax_error();
                }
                mp_obj_dict_store(o, key, parse_value(in, depth + 1));
            } else {
                mp_obj_list_append(o, parse_value(in, depth + 1));
            }
            skip_ws(in);
            if (in->p >= in->end) {
                syntax_error();
            }
            c = *in->p++;
            if (c == ',') {
                continue;
            }
            if (c == (is_dict ? '}' : ']')) {
                return o;
            }
            syntax_error();
        }
    }
    if (match(in, "true")) {
        return mp_const_true;
    }
    if (match(in, "false")) {
        return mp_const_false;
    }
    if (match(in, "null")) {
        return mp_const_none;
    }
    return parse_number(in);
}

static mp_obj_t json_loads(mp_obj_t text) {
    size_t len;
    const char *s = mp_obj_str_get_data(text, &len);
    json_in_t in = {s, s + len};
    mp_obj_t o = parse_value(&in, 0);
    skip_ws(&in);
    if (in.p != in.end) {
        syntax_error();
    }
    return o;
}
static MP_DEFINE_CONST_FUN_OBJ_1(json_loads_obj, json_loads);

static mp_obj_t json_load(mp_obj_t stream) {
    mp_obj_t dest[2];
    mp_load_method(stream, MP_QSTR_read, dest);
    return json_loads(mp_call_method_n_kw(0, 0, dest));
}
static MP_DEFINE_CONST_FUN_OBJ_1(json_load_obj, json_load);

static void dump_str(const mp_print_t *print, mp_obj_t s) {
    size_t len;
    const byte *p = (const byte *)mp_obj_str_get_data(s, &len);
    mp_print_str(print, "\"");
    for (size_t i = 0; i < len; i++) {
        byte c = p[i];
        if (c == '"' || c == '\\') {
            mp_printf(print, "\\%c", c);
        } else if (c < 0x20) {
            mp_printf(print, "\\u%04x", c);
        } else {
            mp_print_strn(print, (const char *)&c, 1, 0, 0, 0);
        }
    }
    mp_print_str(print, "\"");
}

static void dump(const mp_print_t *print, mp_obj_t o) {
    if (o == mp_const_none) {
        mp_print_str(print, "null");
    } else if (o == mp_const_true) {
        mp_print_str(print, "true");
    } else if (o == mp_const_false) {
        mp_print_str(print, "false");
    } else if (mp_obj_is_str(o)) {
        dump_str(print, o);
    } else if (mp_obj_is_type(o, &mp_type_list) || mp_obj_is_type(o, &mp_type_tuple)) {
        size_t n;
        mp_obj_t *items;
        mp_obj_get_array(o, &n, &items);
        mp_print_str(print, "[");
        for (size_t i = 0; i < n; i++) {
            if (i) {
                mp_print_str(print, ", ");
            }
            dump(print, items[i]);
        }
        mp_print_str(print, "]");
    } else if (mp_obj_is_type(o, &mp_type_dict)) {
        mp_map_t *map = mp_obj_dict_get_map(o);
        bool first = true;
        mp_print_str(print, "{");
        for (size_t i = 0; i < map->alloc; i++) {
            if (!mp_map_slot_is_filled(map, i)) {
                continue;
            }
            if (!first) {
                mp_print_str(print, ", ");
            }
            first = false;
            mp_obj_t k = map->table[i].key;
            if (mp_obj_is_str(k)) {
                dump_str(print, k);
            } else {
                mp_print_str(print, "\"");
                mp_obj_print_helper(print, k, PRINT_STR);
                mp_print_str(print, "\"");
            }
            mp_print_str(print, ": ");
            dump(print, map->table[i].value);
        }
        mp_print_str(print, "}");
    } else if (mp_obj_is_int(o) || mp_obj_is_float(o)) {
        mp_obj_print_helper(print, o, PRINT_REPR);
    } else {
        mp_raise_TypeError(MP_ERROR_TEXT("not JSON serializable"));
    }
}

static mp_obj_t json_dumps(mp_obj_t o) {
    vstr_t v;
    mp_print_t print;
    vstr_init_print(&v, 64, &print);
    dump(&print, o);
    return mp_obj_new_str_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_1(json_dumps_obj, json_dumps);

static const mp_rom_map_elem_t json_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_json) },
    { MP_ROM_QSTR(MP_QSTR_load), MP_ROM_PTR(&json_load_obj) },
    { MP_ROM_QSTR(MP_QSTR_loads), MP_ROM_PTR(&json_loads_obj) },
    { MP_ROM_QSTR(MP_QSTR_dumps), MP_ROM_PTR(&json_dumps_obj) },
};
static MP_DEFINE_CONST_DICT(json_module_globals, json_module_globals_table);

const mp_obj_module_t mp_module_json = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&json_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_json, mp_module_json);
