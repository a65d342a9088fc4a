/* SPDX-License-Identifier: GPL-2.0 */
/* cppcheck-macros.h — the library macros cppcheck must know, without reading the system headers. */
#define LIBBPF_OPTS(TYPE, NAME, ...) struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }
#define json_array_foreach(array, index, value)                                              \
	for (index = 0; index < json_array_size(array) && (value = json_array_get(array, index)); \
	     index++)
#define json_object_foreach(object, key, value)                                               \
	for (key = json_object_iter_key(json_object_iter(object));                              \
	     key && (value = json_object_iter_value(json_object_key_to_iter(key)));              \
	     key = json_object_iter_key(json_object_iter_next(object, json_object_key_to_iter(key))))
#define bpf_object__for_each_program(pos, obj)                                                \
	for ((pos) = bpf_object__next_program((obj), NULL); (pos) != NULL;                      \
	     (pos) = bpf_object__next_program((obj), (pos)))
#define mnl_attr_for_each_nested(attr, nest)                                                  \
	for ((attr) = mnl_attr_get_payload(nest); mnl_attr_ok((attr), 0); (attr) = mnl_attr_next(attr))
