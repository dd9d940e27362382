# C declarations of the compiled core _c, whose source is _py.py (Cython pure-Python mode:
# the .py stays plain Python, this file only adds types).  Keep in step with _py.py.
cimport cython


cdef str _lower(str text)
cdef bint _is_word(Py_UCS4 ch)
cdef bint _bounded(str low, Py_ssize_t start, Py_ssize_t end, str needle)
cdef Py_ssize_t _phrase_end(str low, Py_ssize_t start, tuple words) except? -2
cdef tuple _prepared(tuple key)
cdef tuple _prepare(str entity_type, str value)


@cython.final
cdef class Deadline:
    cdef double cpu, wall_soft, wall_hard

    cpdef bint passed(self) except -1


@cython.final
cdef class KnownValues:
    cdef list _needles, _phrases, _phones

    cpdef list candidates(self, str text)
    cpdef list find(self, str text)
    cdef _find_phones(self, str text, list found)


@cython.final
cdef class Walk:
    cdef public object hooks, summary, unscanned
    cdef public bint scan
    cdef public list known, overrides, texts, finishers
    cdef public Py_ssize_t nodes, max_nodes, max_depth
    cdef public set active
    cdef public Deadline deadline

    cpdef bint out_of_time(self) except -1
    cpdef str fail(self, str reason)
    cdef count(self, object op)
    cdef object enter(self, object v, Py_ssize_t size, Py_ssize_t depth)
    cdef object replace(self, object op, object value)
    cdef drop(self, object op, object v)
    cpdef collect_known(self, object value, object state, str entity_type, Py_ssize_t depth)
    cpdef bint put(self, object out, object key, object v, object state, object op, Py_ssize_t depth) except -1
    cdef set_aside(self, object out, object key, str text, object state, object op, Py_ssize_t depth)
    cpdef dict mapping(self, object d, object state, object op, Py_ssize_t depth)
    cpdef list sequence(self, object items, object state, object op, Py_ssize_t depth)
    cpdef tuple triage(self, KnownValues known, set clean)
