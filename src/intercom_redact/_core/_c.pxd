# C declarations of the compiled core _c, whose source is _py.py (Cython pure-Python mode:
# the .py stays plain Python, this file only adds types).  Keep in step with _py.py.
cimport cython


# Module constants the hot loops read as C integers (not module look-ups).
cdef Py_ssize_t _MAX_KNOWN_VALUES, _PHONE_TAIL, _FEW_SPANS, _FEW_VALUES, _NO_TEXT, _READ_BY_CHARACTER, _CHARS_READ_UP_TO
cdef unsigned long long _ANY_CHARS, _CHAR, _ENCODED_AWAY, _PERCENT_40, _PERCENT_2B
cdef Py_ssize_t _MIN_KNOWN
cdef frozenset _UNSEARCHED


@cython.final
cdef class _Value:
    cdef str entity_type, value
    cdef str needle
    cdef unsigned long long need, first, needle_need
    cdef Py_ssize_t shortest
    cdef object forms


cdef str _lower(str text)
cdef unsigned long long _char_bit(Py_ssize_t code) noexcept
@cython.locals(chars=cython.ulonglong, ch=Py_UCS4)
cdef unsigned long long _chars_of(str text, unsigned long long unread) except? 0
cdef bint _is_alnum(Py_UCS4 ch) noexcept
cdef bint _is_word(Py_UCS4 ch)
cdef bint _bounded(str low, Py_ssize_t start, Py_ssize_t end, str needle)
cdef str _searched_in(str text, str low, str word, unsigned long long missing)
@cython.locals(first=str, word=str, last=str, pos=Py_ssize_t, size=Py_ssize_t, index=Py_ssize_t)
cdef Py_ssize_t _phrase_end(str low, Py_ssize_t start, list words) except? -2
cdef bint _is_decimal(Py_UCS4 ch) noexcept
@cython.locals(size=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t)
cdef str _decimal_digits(str text)
@cython.locals(count=Py_ssize_t, ch=Py_UCS4, digits=bytearray)
cdef str _ascii_digits(str text)
@cython.locals(size=Py_ssize_t, start=Py_ssize_t, i=Py_ssize_t, ch=Py_UCS4, digit=bint)
cdef bint _phone_like(str value) except -1
@cython.locals(i=Py_ssize_t, ch=Py_UCS4, digit=bint)
cdef Py_ssize_t _extension_at(str value) except -1
@cython.locals(first=Py_UCS4, count=Py_ssize_t, size=Py_ssize_t, start=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t,
               ch=Py_UCS4)
cdef bint _digits_hold(str text, str digits) except -1
cdef bint _is_letter(Py_UCS4 ch)
@cython.locals(known=_Value)
cdef _Value _value(str entity_type, str value)
@cython.locals(value=str, need=cython.ulonglong, first=Py_ssize_t, i=Py_ssize_t, ch=Py_UCS4, code=Py_ssize_t)
cdef _read_words(_Value known)
@cython.locals(value=str, low=str, encoded=str, plus=str, forms=list)
cdef str _prepare_word(_Value known)
@cython.locals(value=str, words=list, first=str)
cdef str _prepare_phrase(_Value known, str low)
@cython.locals(value=str, cut=Py_ssize_t, digits=str, tail=str)
cdef str _prepare_phone(_Value known)
@cython.locals(count=Py_ssize_t, ch=Py_UCS4, last=cython.ulonglong, second=cython.ulonglong, third=cython.ulonglong,
               fourth=cython.ulonglong, digits=str, chars=cython.ulonglong)
cdef unsigned long long _phone_tail_chars(str value, Py_ssize_t cut) except? 0
cdef bint _holds_needle(str low, unsigned long long missing, str needle, unsigned long long need) except -1
@cython.locals(searched=str, size=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t)
cdef str _find_needle(str text, str low, unsigned long long missing, str needle, unsigned long long need,
                      str entity_type, list found)
@cython.locals(digits=str, phone=list, start=Py_ssize_t, end=Py_ssize_t)
cdef _find_phones(str text, list phones, list found)
@cython.locals(own=str, national=str)
cdef bint _phone_matches(str digits, list phone) except -1
cpdef int screen_identifier(str text) except? -1
@cython.locals(ch=Py_UCS4, size=Py_ssize_t)
cdef bint _beside_address(str text, Py_ssize_t start, Py_ssize_t stop) except -1
@cython.locals(spans=list, signs=cython.ulonglong, size=Py_ssize_t, addresses=list, sign=Py_UCS4, at=Py_ssize_t,
               i=Py_ssize_t, j=Py_ssize_t, stop=Py_ssize_t, start=Py_ssize_t, starts=list, reach=list, last=tuple,
               n=Py_ssize_t, span=tuple, k=Py_ssize_t, count=Py_ssize_t)
cdef list _widen_to_addresses(str text, list found, unsigned long long missing)
@cython.locals(count=Py_ssize_t, out=list, i=Py_ssize_t, j=Py_ssize_t, span=tuple, other=tuple, start=Py_ssize_t,
               end=Py_ssize_t, other_start=Py_ssize_t, other_end=Py_ssize_t)
cdef list _outermost(list spans)
@cython.locals(order=list, out=list, reach=Py_ssize_t, end=Py_ssize_t, i=Py_ssize_t)
cdef list _outermost_sorted(list spans)
@cython.locals(ch=Py_UCS4)
cdef bint _holds_structure(str text) except -1
@cython.locals(reach=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t)
cdef bint _replaceable(list spans, dict type_ops) except -1
cdef object _NONE_TYPE
cdef bint _is_scalar(object t) noexcept
cdef str _stripped(str value)
@cython.locals(ch=Py_UCS4)
cdef bint _holds_space(str text) noexcept


@cython.final
cdef class _ClockReadings:
    cdef public double cpu, wall, cpu_at, wall_at, read_cpu, read_wall


@cython.final
cdef class Deadline:
    cdef readonly double cpu, wall_soft, wall_hard, wall_quick  # readonly: the tests read them

    @cython.locals(clocks=_ClockReadings, wall=double, since=double, cpu=double, now=double)
    cdef _start(self, double budget, double slack)
    cpdef extend(self, double budget)
    @cython.locals(clocks=_ClockReadings, wall=double, now=double, cpu=double)
    cpdef bint passed(self) except -1


@cython.final
cdef class KnownValues:
    cdef list _needles, _phrases, _phones
    cdef Py_ssize_t _shortest

    @cython.locals(values=list, types=list, where=dict, pairs=set, text=str, seen=str, count=Py_ssize_t, at=Py_ssize_t)
    cdef _add_all(self, object known)
    @cython.locals(low=str, missing=cython.ulonglong, known=_Value, tail=str)
    cpdef bint holds_any(self, str text) except -1
    @cython.locals(size=Py_ssize_t, known=_Value, needle=str, need=cython.ulonglong, first=str)
    cdef bint _holds_word(self, str low, unsigned long long missing) except -1
    cpdef list find(self, str text)
    @cython.locals(low=str, missing=cython.ulonglong, known=_Value, phones=list, forms=tuple, tail=str)
    cdef list _find(self, str text, list found)
    @cython.locals(size=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t, known=_Value, entity_type=str, needle=str,
                   need=cython.ulonglong, words=list, first=str, searched=str)
    cdef _find_words(self, str text, str low, unsigned long long missing, list found)
    @cython.locals(known=_Value, need=cython.ulonglong, low=str)
    cdef _add(self, str entity_type, str value)
    @cython.locals(cut=bint, first=Py_ssize_t, size=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, needle=str, at=Py_ssize_t,
                   known=_Value)
    cdef _add_parts(self, str entity_type, str name, str low)
    cdef _add_needle(self, _Value known)


@cython.final
cdef class Step:
    cdef public object state, op, type, label, apply, screen, fixed
    cdef public int kind
    cdef public bint kept, scans, plain, own_action, identifier
    cdef public Table table
    cdef public str whole


@cython.final
cdef class Table:
    cdef public object state, op
    cdef public dict steps, objects
    cdef public bint by_object, uniform
    cdef public tuple conditions
    cdef public Step index


# When a walk starts its clock.
cdef Py_ssize_t _UNTIMED_WORK, _UNTIMED_LENGTH
cdef double _UNTIMED_BUDGET


@cython.final
cdef class Walk:
    cdef public object hooks, summary, unscanned
    cdef public bint scan
    cdef public list known, overrides, texts, finishers
    cdef public Py_ssize_t nodes, max_nodes, max_depth, counted, work
    cdef public set active
    cdef public dict tables, types, rules
    cdef public Deadline deadline
    cdef public double budget

    cpdef Deadline clock(self)
    cdef int read(self, Py_ssize_t work) except -1
    cpdef bint out_of_time(self) except -1
    cpdef str fail(self, str reason)
    cdef count(self, Step step)
    cdef object enter(self, object v, Py_ssize_t size, Py_ssize_t depth)
    @cython.locals(active=set)
    cpdef track(self, object ident)
    cpdef untrack(self, object ident)
    cdef object replace(self, Step step, object value)
    cdef drop(self, Step step, object v)
    @cython.locals(next_key=dict)
    cpdef collect_known(self, object value, object state, str entity_type, Py_ssize_t depth)
    cpdef Table table(self, object state, object op)
    cpdef bint put(self, object out, object key, object v, object state, object op, Py_ssize_t depth) except -1
    @cython.locals(whole=str)
    cpdef bint put_step(self, object out, object key, object v, Step step, Py_ssize_t depth) except -1
    cdef Table step_table(self, Step step)
    cdef set_aside(self, object out, object key, str text, Step step, Py_ssize_t depth)
    cpdef dict mapping(self, object d, object state, object op, Py_ssize_t depth)
    @cython.locals(steps=dict, texts=list, step=Step, out=dict, copied=bint, walked=Py_ssize_t)
    cdef dict walk_mapping(self, object d, Table table, Py_ssize_t depth)
    @cython.locals(conditions=tuple, found=Table)
    cdef Table for_object(self, Table table, object d)
    cdef tuple new_step(self, Table table, object key, dict out)
    cpdef list sequence(self, object items, object state, object op, Py_ssize_t depth)
    @cython.locals(step=Step, uniform=bint)
    cdef list walk_sequence(self, object items, Table table, Py_ssize_t depth)
    cpdef object run(self, list box, object value, Step root)
    @cython.locals(texts=list, reason=str, known=KnownValues, found=list, scanner=list, done=Py_ssize_t)
    cpdef tuple search_texts(self, set clean, dict type_ops)
    @cython.locals(index=Py_ssize_t, spans=list, text=str, unused=list)
    cpdef tuple search_known(self, KnownValues known, set clean)
    @cython.locals(texts=list, types=dict, rules=dict, done=Py_ssize_t, added=Py_ssize_t, index=Py_ssize_t,
                   spans=list, text=str, pieces=list, pos=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t)
    cpdef Py_ssize_t replace_found(self, list found, dict type_ops) except -1


# The HTML view's pieces, their map, and the replacement in markup.
cdef Py_ssize_t _COPIED


@cython.final
cdef class ViewPieces:
    cdef public list chars, at, src, end, attrs, starts, ends
    cdef public Py_ssize_t length

    cpdef add(self, str chars, Py_ssize_t lo, Py_ssize_t end)


@cython.locals(view=ViewPieces, chars=list, at=list, src=list, end=list, starts=list, ends=list, length=Py_ssize_t,
               pos=Py_ssize_t, index=Py_ssize_t, hi=Py_ssize_t, token=str, text=str, entry=tuple)
cpdef ViewPieces view_pieces(str markup, list pieces, dict simple, object read)
@cython.locals(cuts=list, ranges=list, a_start=Py_ssize_t, a_end=Py_ssize_t, i=Py_ssize_t, found=tuple)
cpdef list view_ranges(str text, list at, list src, list stop, tuple attrs, Py_ssize_t start, Py_ssize_t end)
@cython.locals(out=list, a=Py_ssize_t, b=Py_ssize_t, entity_type=str, start=Py_ssize_t, end=Py_ssize_t)
cpdef list view_spans(str text, list at, list src, list stop, tuple attrs, object spans)
@cython.locals(k=Py_ssize_t, first=Py_ssize_t)
cdef tuple _view_source(str text, list at, list src, list stop, Py_ssize_t lo, Py_ssize_t hi)
@cython.locals(out=list, pos=Py_ssize_t, count=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t, new=str, i=Py_ssize_t,
               placed=bint, at=Py_ssize_t, tag_start=Py_ssize_t)
cpdef str splice_markup(str text, object pieces, list tag_starts, list tag_ends)
cdef str _escaped(str text, bint quote)


# A sink's write-back.
cdef object _ABSENT
cpdef bint rewritten_with_strings(object new, object old) except -1
@cython.locals(key=object, value=object, was=object)
cdef bint _rewritten(dict new, dict old) except -1
