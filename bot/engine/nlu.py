"""Understand a resident's free text: language, intent, danger now, opt-out. Vocabularies and rules, no I/O.

Words are compared after normalise() (case, accents, width, apostrophes, punctuation), with letters
repeated three or more times squashed ("holaaa" -> "hola") and a spelling key that forgives the usual
Spanish and English misspellings (s/c/z, b/v, ll/y, silent h, k/qu/c, doubled letters); words of five
letters or more also match with one letter missing, added or changed ("emergensia", "robarom").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from .matching import normalise

LONG_STORY = 14  # words
INTENTS = ("greet", "immigration", "tip", "emergency", "help", "stop", "lang_es", "lang_en", "other")


def _phrases(text: str) -> tuple[tuple[str, ...], ...]:
    """Comma-separated phrases (newlines are spaces) as tuples of words."""
    return tuple(tuple(part.split()) for part in text.replace("\n", " ").split(",") if part.strip())


# ---------------------------------------------------------------------------------------------------
# Vocabularies (normalised: lower case, no accents, no apostrophes). One phrase per comma.
# ---------------------------------------------------------------------------------------------------
STOP_WHOLE = _phrases("""
stop, stopall, stop all, unsubscribe, cancel, cancelar, end, quit, optout, opt out, revoke, parar, alto, baja,
darme de baja, stop it, no mas, ya no, stop stop, unsuscribe, desuscribir, detener, basta
""")
STOP_PHRASES = _phrases("""
pare de mandar, paren de mandar, cancelar suscripcion, cancel subscription, cancelar la suscripcion,
stop texting, stop messaging, stop sending, stop contacting, stop writing, dont text, do not text, dont
message, do not message, dont contact, do not contact, no more messages, no more texts, unsubscribe me, remove
me, take me off, delete me from, leave me alone, no me manden, no me envien, no me escriban, no me mande, no
me envie, no me escriba, no me vuelvan a, dejen de mandar, dejen de escribir, dejen de enviar, from the list,
from your list, de la lista, de su lista, sacame de, quitame de, remove my number, borra mi numero, dont want
these messages, dont want your messages, no quiero estos mensajes, no quiero sus mensajes, quit messaging,
quit texting, quit sending, cancel messages, cancelar mensajes, ya no manden, no manden nada, no me manden
nada, no manden mas, dont want these texts, dont want your texts, dont want texts, no more texts, basta de
mensajes, basta ya de mensajes, paren con los mensajes, paren los mensajes, para ya de mandarme, deja de
mandarme, no molesten, dont bother me, de mandarme cosas, dejen de mandarme, dejen de escribirme, dejen de
enviarme, deje de mandar, deje de escribir, no quiero mas mensajes, no quiero recibir, no mas mensajes, ya no
quiero mensajes, ya no me manden, ya no me escriban, quitenme de, saquenme de, borren mi numero, no me
contacten
""")
LANG_ES_PHRASES = _phrases("""
espanol, en espanol, in spanish, spanish, habla espanol, hablas espanol, hablan espanol, hable espanol, speak
spanish, castellano, mejor en espanol
""")
LANG_EN_PHRASES = _phrases("""
english, in english, speak english, ingles, en ingles, habla ingles, hablan ingles, do you speak english
""")
WANTS_EN_PHRASES = _phrases("""
no leo bien espanol, my spanish is bad, mi espanol es malo, someone who speaks english, message in spanish,
no spanish, dont speak spanish, do not speak spanish, dont understand spanish, no hablo espanol, dont read
spanish, prefer english, prefiero ingles, prefiero en ingles, no hablo bien espanol, english from now on,
espanol no es bueno, spanish is not good, spanish isnt good, english only, solo ingles, only english, no leo
espanol
""")
WANTS_ES_PHRASES = _phrases("""
no english, dont speak english, no hablo ingles, no entiendo ingles, no se ingles, english is not good, prefer
spanish, prefiero espanol, prefiero en espanol, no hablo bien ingles, espanol de ahora en adelante, english
isnt good, ingles no es bueno, only reads spanish, only speaks spanish, only spanish, solo espanol, only
understands spanish, dont read english, no leo ingles
""")
EMERGENCY_WHOLE = _phrases("""
911, emergency, emergencia, sos, auxilio, socorro, help me, ayudame, ayudenme, help help, ayuda ayuda,
urgente, urgent, help now, ayuda ya, ayudeme
""")
URGENCY_PHRASES = _phrases("""
help now, help me now, ayuda ya, necesito ayuda ya, ayudenme ya, ayudame ya, call 911, llamen al 911, llamen a
la policia, send police, manden a la policia, manden policia, send help, manden ayuda, right now help,
emergency now, in danger, en peligro, going to kill, van a matar, me quieren matar, wants to kill, trying to
kill, quieren matarme, is going to kill, send someone, manden a alguien, mande a alguien, kick my door,
kicking my door, kicking the door, breaking into my, breaking into our, trying to get in, trying to break in,
breaking in now, someone is in my house, someone is in the house, somebody is in my house, alguien entro, se
metio alguien, se estan metiendo, estan entrando, quieren entrar, tumbando la puerta, pateando la puerta, im
hiding, i am hiding, estoy escondido, estoy escondida, estamos escondidos, come now, vengan ya, vengan rapido,
send the police, send a patrol, mandenme la patrulla, manden la patrulla, manden una patrulla, mandenme a
alguien, manden una ambulancia, send an ambulance, call an ambulance, tumbar la puerta, break down the door,
kick in the door, kick the door in, quiere entrar, quieren entrar, shots fired, just grabbed, just took a,
just shot, just stabbed, acaban de llevar, se acaban de llevar, acaban de disparar, acaban de balear, acaban
de asaltar, acaban de robar, acaban de atacar, esta pasando ahorita, happening now, happening right now, esta
pasando ahora, open my door, open my front door, open the door, open the front door, abrir la puerta, abrir mi
puerta, forcing the door, forzando la puerta
""")
# Someone's life in danger now, whatever the cause (medical, fire, confinement, an intruder).
LIFE_PHRASES = _phrases("""
inside now, are inside, they are inside, estan adentro, estan dentro,
inside my house, in my house, man inside, someone inside, somebody inside, dentro de mi casa, adentro de mi casa,
overdosing, not responding, no responde, se esta muriendo, is dying, se muere, naloxona, naloxone, narcan,
se esta metiendo, metiendo por la ventana, entrando por la ventana, climbing in, breaking in through, kick in,
not breathing, isnt breathing, cant breathe, no respira, no puede respirar, wont wake up, no despierta,
collapsed, se desmayo, unconscious, inconsciente, overdose, sobredosis, took a bunch of pills,
heart attack, ataque al corazon, le dio un infarto, bleeding a lot, sangrando mucho, smoke coming out,
sale humo, hay humo, house is on fire, se esta quemando, en llamas, locked in, encerrada, encerrado,
pulled me into, me subio a la fuerza, hay un tipo en mi, hay un hombre en mi, someone in my room,
a man in my room, circling the block, tirando tiros, tan tirando, estan tirando
""")
_CALLED_911 = _phrases("called 911, llame al 911 y, llamamos al 911, is this 911, es el 911")
CALL_911 = _phrases("call 911, llamen al 911, llame al 911, llamar al 911")
# Explicit "now" that outweighs a past time elsewhere ("the guy that robbed me last week is outside right now").
NOW_PHRASES = _phrases("""
a moment ago, moment ago, seconds ago, hace un momento, hace un momentito, hace unos segundos,
right now, ahora mismo, ahorita mismo, ahorita, just now, en este momento, at this moment, minute ago, minutes
ago, hace un minuto, hace unos minutos, hace un ratito, still there, sigue ahi, todavia esta, acaban de, acaba
de
""")
DANGER = frozenset("""
kick kicked shooting shoot stab
shooting shoot shooter shots gunshots gunfire disparando disparan disparos balazos balacera baleando tiroteo
gun guns pistol pistola pistolas arma armas armado armados cuchillo navaja knife machete attacking attack
attacked atacando ataca atacan atacado atacada golpeando pegando beating hitting stabbing apunalando stabbed
shot bleeding sangrando following siguiendo persiguiendo chasing kill killing matar matando kidnapping
secuestrando fire fuego incendio burning quemando forzando fighting peleando balaceando bat bate hiding
escondido escondida tumbando pateando kicking grabbing grabbed agarrando jalando dragging arrastrando followed
chased seguido seguida perseguido perseguida
""".split())
# Stems of danger words ("tiroteando", "machetazos", "apuñalando").
DANGER_STEMS = tuple("tirote balac machet apunal acuchill shootin stabbin".split())
# Danger that is happening whenever it is mentioned without a past time: "shots fired!!!", "balacera en la 5".
IMMEDIATE = frozenset("""
shots gunshots gunfire disparos balazos balacera tiroteo fire incendio fuego
""".split())
# A weapon in the present tense ("man with a knife at the bus stop") is danger now, except in an answer.
WEAPONS = frozenset("gun guns pistol pistola pistolas arma armas cuchillo navaja knife machete rifle".split())
PRESENT = frozenset("""
now ahora ahorita ya rn currently right here aqui outside afuera inside adentro is are im am being been just
acaban acaba quiere quieren trying tratando still sigue siguen todavia hurry apurense apurate rapido quick
fast pronto estan esta estoy estamos hay tiene tienen has have got tengo
""".split())
PAST = frozenset("""
last ago yesterday ayer pasado pasada pasados anoche antier anteayer was were had did happened used earlier
before antes tenia tenian fue fueron hace semana week month mes year ano years anos meses weeks semanas paso
pasaron era eran estaba estaban keep keeps kept always siempre every cada often usually seguido diario daily
nightly sometimes aveces
""".split())
REPORT_WORDS = frozenset("""
report reporting reportar reporte reportarlo denunciar denuncia denunciarlo tip tips witness testigo crime
crimen delito delitos
""".split())
CRIME_WORDS = frozenset("""
robbed rob robbing robbery robberies robo robos robaron robo robando robar robado robada robados asaltaron
asalto asaltan asaltando asaltado assault assaulted attacked atacaron golpearon golpeo golpe golpes pegaron
quebrando quebraron quebro rompieron rompiendo smashed smashing hit pega pegan pego pegando beat beaten stole
stolen steal stealing theft thief thieves ladron ladrones broke burglary burglar metieron entraron threatened
threatening threat threats amenazaron amenaza amenazas amenazando extortion extorsion extorsionan
extorsionando drugs drogas dealing vendiendo selling stabbed apunalaron acuchillaron shot balearon disparo
dispararon wallet cartera took quitaron scam scammed estafa estafaron fraud fraude abuse abuso abusando
violencia violence harassment harassing acoso acosando rape violacion violaron kidnapped secuestraron
secuestro mugged carjacked vandalism vandalismo grafiti graffiti gang gangs pandilla pandillas mara cholos
drug fight pelea peleando
""".split())
CRIME_PHRASES = _phrases("""
broke into, breaking into, break into, se metieron, took my, me quitaron, se llevaron, me robaron, nos
robaron, le robaron, me asaltaron, nos asaltaron, me pegaron, le pegaron, me golpearon, le golpearon, me
quito, le quito, nos quito, in my name, a mi nombre, credit cards, tarjetas de credito, la tarjeta, to minors,
a menores, a los menores, underage, cobran cuota, cobran renta, cobrando cuota, cobrando renta, charging rent,
to kids, a los ninos, gift cards, tarjetas de regalo, pidiendo plata, pidiendo dinero, hasnt paid, havent
paid, not paid us, no nos paga, no nos pagan, no me paga, no me pagan, a la fuerza, by force, weird messages,
watching the kids, va a matar, will kill, threatened to kill, amenazo con, call immigration on, call ice on,
llamar a la migra, hablar a la migra, le habla a la migra, if we dont pay, if i dont pay, si no pagamos, si no
pago, si no le pago, si no le pagamos
""")
REQUEST_PHRASES = _phrases("""
give a tip, dar informacion, quiero reportar, quiero denunciar, want to report, i want to report, report a
crime, reportar un crimen, reportar un delito, hacer una denuncia, poner una denuncia, i know who, se quien,
yo se quien, i saw, yo vi, vi a, information about, info about, informacion de, informacion sobre, tengo
informacion, i have information, i have info, se algo, i know something, break in, broke in, breakin
""")
# Stems of words that describe a crime ("robaron", "robbery", "amenazaba", "extorting" ...).
CRIME_STEMS = tuple("""
robb roba robe asalt assault golpe golpi beat stol steal theft thief ladron burglar extor threat amenaz
secuestr kidnap estaf scam fraud stab apunal acuchill balace dispar shot shoot mug carjack vandal harass acos
abus violen rape violar drog drug dealer meth cristal crack cocain fentan heroin mota narco pandill gang pills
pastillas snatch arranc hackea hacke slash keyed graffiti tagging jodieron sacaron cuota notario hurt lastim
lesion hits hitting pegandol golpeandol touch toca tocand manose smash quebr rompi romp clon queman quemar
identity stalk acech vandaliz trap
""".split())
IMMIGRATION_WORDS = frozenset("""
immigration inmigracion migracion migratorio migratoria immigrant inmigrante inmigrantes status estatus papers
papeles documents documentos indocumentado indocumentada indocumentados undocumented deport deported deportar
deporten deportado deportada deportan deportation deportacion deportaran deportarme deportarian ice migra
illegal ilegal ilegales illegals visa greencard residencia residente citizen citizenship ciudadano ciudadania
asylum asilo daca ssn tps permiso permit renewal renovacion residency
""".split())
IMMIGRATION_PHRASES = _phrases("""
green card, la migra, no soy legal, im not legal, not legal, no tengo papeles, dont have papers, sin papeles,
no papers, social security, seguro social, without papers, where i was born, donde naci, my country, mi pais,
de mi pais, send me back, me regresen, me manden pa mi pais, me manden a mi pais, si soy legal, soy legal, am
i legal, legal status, work permit, permiso de trabajo, no tengo permiso, parole, humanitarian parole, parole
humanitario, refugee, refugiado
""")
# The question words and modals that make a message a question about consequences.
QUESTION_WORDS = frozenset("""
will would can could do does did is are should may might if whether pueden puede puedo van va voy me si
preguntan pregunta preguntaran what how which que como cual cuales
""".split())
HELP_WHOLE = _phrases("""
help, info, information, ayuda, informacion, menu, instructions, instrucciones, que es esto, what is this, how
does this work, como funciona, como funciona esto, what, que, huh, como
""")
# How-to questions about the line itself: they ask for help even when they mention reporting.
HELP_HOWTO = _phrases("""
how does this work, how does it work, how do i, how can i, how to, como funciona, como se usa, como hago, como
le hago, como puedo, como mandar, como reporto, como hacer, what kind of, que tipo de, que cosas, what can i
report, que puedo reportar, que se puede reportar, send pictures, send photos, send a picture, send a photo,
mandar fotos, mandar una foto, mandar videos, mandar un video, cost money, cuesta dinero, how much does it
cost to, cuanto cuesta mandar, les mando, send a video, send video, mandar un audio, send audio, what happens
after, que pasa despues, what time do you, a que hora atienden, business hours, are you open, open on
weekends, horario de atencion
""")
HELP_PHRASES = _phrases("""
sees my number, save these messages, guardan los mensajes, go to court, ir a la corte, reward, recompensa,
cobran por mensaje, mandar audio, puedo llamar, tambien puedo, otro pais, another country,
how does this work, how does it work, how this works, how do i use, what is this service, what is this line,
what do you do, what can i do here, como funciona, como se usa, para que sirve, que hacen, que es esto, que es
esta linea, que es este servicio, help me understand, explain, explicame, expliquen, necesito ayuda con, what
happens with, que pasa con mi informacion, is this anonymous, es anonimo, privacy, privacidad, my phone
number, mi numero de telefono, ven mi numero, know my number, see my number, cobran los mensajes, charge for,
someone call me, alguien me llama, me van a llamar, this number for, este numero para, what is this for, is
this for, dont understand, no entiendo, explicar, my name, mi nombre, anonymous, anonimo, anonima, free to
text, is this free, es gratis, does this cost, does it cost, cuesta algo, tiene costo, me cobran por, how do
i, how can i, como hago, como le hago, como puedo, what can i report, what kind of things, que cosas puedo,
que puedo reportar, what do i do, que hago
""")
GREET_WORDS = frozenset("""
hello hi hey hiya howdy yo hola ola holi holis buenas buenos buen dia dias tardes noches morning afternoon
evening saludos sup whats wassup greetings oye oiga disculpe alo alo hellooo heyy
""".split())
GREET_PHRASES = _phrases("""
who is this, who is it, quien es, quien habla, quien eres, is anyone there, anybody there, hay alguien, gave
me this number, me pasaron este numero, me dieron este numero, me pasaron tu numero, got this number, me paso
este numero, me dio este numero, este numero en, this number on, this number from, saw this number, saque el
numero, saque este numero, got the number, the number from, el numero de un, quien me escribe, who is texting,
who texted me, vi este numero, found this number, encontre este numero, who this, que onda, bueno, que onda,
whats up, que tal, como estas, como esta, good morning, good afternoon, good evening, buenos dias, buenas
tardes, buenas noches
""")

# Words that say which language a message is in (a word both languages use is in neither).
SPANISH_WORDS = frozenset("""
hola ola buenas buenos buen dias tardes noches que quien quienes como cuando donde porque por para pero es
esta estan estoy soy eres somos fue tengo tiene tienen tenemos quiero quiere puedo puede pueden necesito ayuda
gracias favor senor senora usted ustedes nosotros ellos ella el la los las un una unos unas del al mi mis su
sus tu yo te se le nos muy mas menos tambien ahora ahorita aqui alli alla hay algo nada nadie alguien pues
bueno vale numero mensaje mensajes policia policias papeles documentos migra inmigracion deportar robo robaron
asaltaron golpearon carro casa calle trabajo semana pasada ayer hoy manana noche dinero miedo hablo habla
espanol denunciar reportar informacion crimen delito paso pasaron dar mandan manden parada camion hombre mujer
pistola arma disparando atacando urgente necesita pasa onda oiga disculpe perdon entiendo funciona esto este
eso ese cual cuanto llamar llamo llamen estamos vamos hermano hermana amigo amiga companero iglesia gente
persona personas sabe saben seguro segura ilegal parar alto dejen escriban envien emergencia auxilio socorro
ayudame ayudenme siguiendo cartera troca chota wey orale andale neta chido mande ustedes tengan tenia tenian
estaba estaban mismo puerta afuera adentro vecino vecina vecinos hijo hija esposo esposa trabajo jefe jaja
jajaja porfa porfis cancelar comadre compadre chamba lista sacame quitame nombre gratis pegado pegada pegados
pegadas papel tienda
""".split())
ENGLISH_WORDS = frozenset("""
hello hi hey hiya good morning afternoon evening what whats who where when why how is are was were am i im you
your we they he she it its the an this that these those there here my me our their have has had do does did
dont can cant could will would want need help please thanks thank sir anyone someone somebody report crime tip
police cops call called immigration status papers deported deport ice illegal scared afraid robbed robbery
attacked broke into car house street work week last yesterday today tonight money english speak understand
service line number gave stop texting know knows people man woman gun shooting outside door right now up with
about not of and or to from for in on at by be been being get got give info emergency stole wallet phone took
following kill neighbor boss wife husband son daughter friend guy guys just like yeah pls because said says
told tell if then than them him her his hers they their theres thats dont doesnt didnt wont cancel lol lmao
omg wtf thanks bro fam dude anymore these those take takes taking took talk talking walk walking looking
watching waiting working living parking making saying going coming doing open front alone baby texts
""".split())
_SHARED = frozenset({"no", "a", "me", "ok", "okay", "si", "info", "taxi", "legal", "yo", "ice", "hey", "mi",
                     "son", "van", "era", "pastor", "hi"})
_SPANISH_ONLY = SPANISH_WORDS - ENGLISH_WORDS - _SHARED
_ENGLISH_ONLY = ENGLISH_WORDS - SPANISH_WORDS - _SHARED
_LANGUAGE_WORDS = {"yo": "en", "hi": "en", "hey": "en", "ola": "es", "ice": "en"}  # short words with a home
_SPANISH_MARKS = re.compile(r"[ñÑ¿¡áíóúÁÍÓÚ]")
_REPEATS = re.compile(r"(\w)\1{2,}")


# ---------------------------------------------------------------------------------------------------
# Spelling keys and fuzzy lookup
# ---------------------------------------------------------------------------------------------------
_SPELLING_RULES = (
    (re.compile(r"ch"), "0"), (re.compile(r"qu"), "k"), (re.compile(r"c(?=[ei])"), "s"), (re.compile(r"c"), "k"),
    (re.compile(r"z"), "s"), (re.compile(r"v"), "b"), (re.compile(r"ll"), "y"), (re.compile(r"h"), ""),
    (re.compile(r"x"), "ks"), (re.compile(r"(\w)\1+"), r"\1"),
)


@lru_cache(maxsize=65536)
def spelling_key(word: str) -> str:
    """A key that is the same for common misspellings of a word ("polisia" and "policia" -> "polisia")."""
    if word.isdigit():
        return word
    for pattern, replacement in _SPELLING_RULES:
        word = pattern.sub(replacement, word)
    return word


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class Vocabulary:
    """A set of words that also answers for misspellings of its longer members."""

    def __init__(self, words: Iterable[str], plain: Iterable[str] = ()) -> None:
        self.exact = frozenset(words) | frozenset(plain)  # plain words only shield themselves from fuzzing
        self.keys = {spelling_key(w): w for w in words}
        self.near: dict[str, str] = {}
        for key, word in self.keys.items():
            if len(key) >= 5:
                for variant in _deletions(key):
                    self.near.setdefault(variant, word)

    def find(self, token: str) -> str | None:
        """The vocabulary word this token stands for, or None."""
        if token in self.exact:
            return token
        key = spelling_key(token)
        if key in self.keys:
            return self.keys[key]
        if len(key) < 4:
            return None
        candidates = [self.near.get(key)] + [self.near.get(v) for v in _deletions(key)] + [
            self.keys.get(v) for v in _deletions(key)]
        for word in candidates:
            if word is not None and _one_edit(key, spelling_key(word), substitution=len(key) >= 7):
                return word
        return None


def _one_edit(a: str, b: str, substitution: bool) -> bool:
    """True when b is a with one letter added or removed (or changed, if substitution is allowed)."""
    if len(a) == len(b):
        return substitution and sum(x != y for x, y in zip(a, b)) == 1
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return len(short) >= 5 and any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _canonical(words: Iterable[str], vocabulary: Vocabulary) -> list[str]:
    return [vocabulary.find(w) or w for w in words]


_ALL_WORDS = Vocabulary(
    set(DANGER | PRESENT | PAST | REPORT_WORDS | CRIME_WORDS | IMMIGRATION_WORDS | GREET_WORDS)
    | {w for group in (STOP_WHOLE, STOP_PHRASES, LANG_ES_PHRASES, LANG_EN_PHRASES, EMERGENCY_WHOLE,
                       URGENCY_PHRASES, CRIME_PHRASES, REQUEST_PHRASES, IMMIGRATION_PHRASES, HELP_WHOLE,
                       HELP_PHRASES, GREET_PHRASES) for phrase in group for w in phrase},
    plain=SPANISH_WORDS | ENGLISH_WORDS,
)


ABBREVIATIONS = {
    "q": "que", "ke": "que", "xq": "porque", "pq": "porque", "xk": "porque", "pa": "para",
    "dis": "this", "u": "you", "ur": "your", "r": "are", "tmb": "tambien", "d": "de", "kien": "quien",
    "plz": "pls", "plis": "pls", "please": "pls", "xfa": "porfa", "porfis": "porfa", "pf": "porfa", "k": "ok",
    "thx": "thanks", "ty": "thanks", "msgs": "messages", "msg": "message", "txt": "text", "txts": "texts", "im": "im", "rn": "now", "asap": "now", "ahorita": "ahorita",
}
# Politeness and fillers that do not change what a short message asks for ("info porfa", "PARAR YA").
FILLERS = frozenset("pls porfa por favor gracias thanks thank you ok okay ya now already bro fam".split())


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    squashed = _REPEATS.sub(r"\1", normalise(text))
    return tuple(_canonical((ABBREVIATIONS.get(w, w) for w in squashed.split()), _ALL_WORDS))


def forget() -> None:
    """Empty the per-text cache (benchmarks use it so that every round does the full work)."""
    _words.cache_clear()
    spelling_key.cache_clear()


def words_of(text: str) -> list[str]:
    """Normalised words: long letter repeats squashed, abbreviations spelled out, misspellings mapped."""
    return list(_words(text))


def _core(words: list[str]) -> list[str]:
    """The words without fillers and without a word repeated in a row ("STOP STOP STOP" -> ["stop"])."""
    core = [w for i, w in enumerate(words) if w not in FILLERS and (i == 0 or w != words[i - 1])]
    return core or words


@lru_cache(maxsize=None)
def _index(phrases: tuple[tuple[str, ...], ...]) -> tuple[dict[str, list[tuple[str, ...]]], frozenset]:
    """Phrases by their first word, and the set of whole phrases (built once per vocabulary)."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        by_first.setdefault(phrase[0], []).append(phrase)
    return by_first, frozenset(phrases)


def _has_phrase(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    by_first = _index(phrases)[0]
    for i, word in enumerate(words):
        for phrase in by_first.get(word, ()):
            if tuple(words[i:i + len(phrase)]) == phrase:
                return True
    return False


def _is_whole(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    return tuple(words) in _index(phrases)[1]


# ---------------------------------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------------------------------
def is_stop(text: str, strict: bool = False) -> bool:
    """A clear request for no more messages ("STOP", "no me manden mas mensajes"); "para" alone is not one.

    strict (while an interview question waits): only STOP-words alone or "stop texting me"-style phrases."""
    return _is_stop(text, words_of(text), strict)


# "no me escribieran más", "ya no me manden", "no longer send messages", "dejen de enviarme": a request to stop
# being written to, in any tense or person.
_STOP_REQUEST = re.compile(r"\b(no|ya no|nunca|dejen de|deje de|deja de|stop|quit|no longer|never)\s+(me\s+|us\s+)?"
                           r"(escrib|mand|envi|text|messag|send|contact|llam)\w*")
_MESSAGING_WORDS = frozenset("mas more anymore again numero number mensajes messages message mensaje texts".split())
_TRAILING_STOP = re.compile(r"[,.;:!\-]\s*(stop|parar|alto)\W*$", re.IGNORECASE)


def _is_stop(text: str, words: list[str], strict: bool = False) -> bool:
    if _is_whole(_core(words), STOP_WHOLE):
        return True
    if len(words) > 12 or _describes_crime(words):
        return False
    if _has_phrase(words, STOP_PHRASES) or (not strict and bool(_TRAILING_STOP.search(text))):
        return True
    about_messages = bool(_MESSAGING_WORDS & set(words))
    return len(words) <= 16 and about_messages and bool(_STOP_REQUEST.search(" ".join(words)))


def is_emergency(text: str, strict: bool = False) -> bool:
    """Danger now ("they are shooting", "me estan siguiendo"), not a past event ("he had a gun last Tuesday").

    strict (while an interview question waits): a weapon named in a description is not enough."""
    return _is_emergency(words_of(text), strict)


def _is_emergency(words: list[str], strict: bool = False) -> bool:
    if not words:
        return False
    if _is_whole(words, EMERGENCY_WHOLE) or _is_whole(_core(words), EMERGENCY_WHOLE):
        return True
    now = _has_phrase(words, NOW_PHRASES)
    past = any(w in PAST for w in words) and not now
    calls_911 = _has_phrase(words, CALL_911) or ("911" in words and not past and not (
        REPORT_WORDS & set(words)) and not _has_phrase(words, _CALLED_911))
    if calls_911 or (not past and (_has_phrase(words, URGENCY_PHRASES) or _has_phrase(words, LIFE_PHRASES))):
        return True
    danger = [w for w in words if w in DANGER or w.startswith(DANGER_STEMS)]
    crime = _describes_crime(words)
    if past or not (danger or crime):
        return False
    asks_help = any(w in ("help", "ayuda", "auxilio", "socorro", "ayudame", "ayudenme", "911") for w in words)
    present = now or any(w in PRESENT for w in words)
    ongoing = any(w.endswith(("ing", "ando", "iendo")) for w in danger)
    reporting = any(w in REPORT_WORDS for w in words) or _has_phrase(words, REQUEST_PHRASES)
    if reporting and not (asks_help or now or {"now", "ya"} & set(words)):
        return False
    # "ayudaaa se metieron a la casa", "acaban de asaltar la tienda"
    if crime and (now or (asks_help and not strict and not reporting)):
        return True
    if not danger:
        return False
    immediate = any(w in IMMEDIATE for w in danger) or (not strict and any(w in WEAPONS for w in danger))
    return asks_help or present or ongoing or immediate


def _describes_crime(words: list[str]) -> bool:
    if any(w in CRIME_WORDS or (len(w) >= 4 and w.startswith(CRIME_STEMS)) for w in words):
        return True
    if _has_phrase(words, CRIME_PHRASES):
        return True
    return any(w in DANGER for w in words) and any(w in PAST for w in words)  # "had a gun last week"


CONSEQUENCE_PHRASES = _phrases("""
can i, puedo, will it, will they, would it, me afecta, afecta, is it safe, es seguro, me van a, van a, pueden,
me pueden, mess up, problems, problemas, still, todavia, queria saber, quiero saber, want to know, wondering,
i wonder
""")


def _asks_about_consequences(text: str, words: list[str]) -> bool:
    return ("?" in text or "¿" in text or (bool(words) and words[0] in QUESTION_WORDS)
            or _has_phrase(words, CONSEQUENCE_PHRASES))


def _mentions_immigration(words: list[str]) -> bool:
    return any(w in IMMIGRATION_WORDS for w in words) or _has_phrase(words, IMMIGRATION_PHRASES)


def language_of(text: str, hint: str | None = None) -> str | None:
    """"en" or "es" from the line's own vocabulary, else the host's hint (a language model's guess), else None."""
    words = _REPEATS.sub(r"\1", normalise(text)).split()
    if len(words) == 1 and words[0] in _LANGUAGE_WORDS:
        return _LANGUAGE_WORDS[words[0]]
    spanish = sum(1 for w in words if w in _SPANISH_ONLY)
    english = sum(1 for w in words if w in _ENGLISH_ONLY)
    if _SPANISH_MARKS.search(text):
        spanish += 1
    if spanish != english:
        return "es" if spanish > english else "en"
    return hint


def _wanted_language(words: list[str], crime: bool) -> str | None:
    """An explicit request for a language ("en español por favor", "I don't speak Spanish")."""
    if crime or len(words) > 14:
        return None
    if _has_phrase(words, WANTS_EN_PHRASES):
        return "en"
    if _has_phrase(words, WANTS_ES_PHRASES):
        return "es"
    core = _core(words)
    for language, phrases in (("es", LANG_ES_PHRASES), ("en", LANG_EN_PHRASES)):
        if _is_whole(core, phrases) or (len(words) <= 14 and _has_phrase(words, phrases)):
            return language
    return None


@dataclass(frozen=True)
class Understanding:
    """What a free-text message means: its language (None if unknown), intent, and two useful facts."""

    language: str | None
    intent: str
    describes_crime: bool = False
    mentions_immigration: bool = False

    @property
    def reply_language(self) -> str | None:
        """The language to answer in: an explicit request wins over the message's own language."""
        return {"lang_es": "es", "lang_en": "en"}.get(self.intent, self.language)


def understand(text: str, hint: str | None = None, intent_hint: str | None = None) -> Understanding:
    """Classify one message into one of INTENTS, with its language.

    hint is a language model's guess of the language; intent_hint a statistical model's guess of the
    intent, taken only when the rules find no meaning (never for opt-out or a language switch)."""
    words = words_of(text)
    language = language_of(text, hint)
    crime = _describes_crime(words)
    immigration = _mentions_immigration(words)
    facts = {"describes_crime": crime and len(words) >= 3, "mentions_immigration": immigration}
    if not words:
        return Understanding(language, "other")
    if _is_emergency(words):
        return Understanding(language, "emergency", **facts)
    if _is_stop(text, words):
        return Understanding(language, "stop", **facts)
    wanted = _wanted_language(words, crime)
    if wanted:
        return Understanding(language, f"lang_{wanted}", **facts)
    asks_to_report = _has_phrase(words, REQUEST_PHRASES) or any(w in REPORT_WORDS for w in words)
    if immigration and (not (crime or asks_to_report) or (len(words) <= 30 and _asks_about_consequences(text, words))):
        return Understanding(language, "immigration", **facts)
    if crime and len(words) >= 3:
        return Understanding(language, "tip", **facts)
    howto = _has_phrase(words, HELP_HOWTO)
    wants_help = howto or _is_whole(_core(words), HELP_WHOLE) or _has_phrase(words, HELP_PHRASES)
    reporting = any(w in REPORT_WORDS for w in words) or _has_phrase(words, REQUEST_PHRASES) or crime
    if wants_help and (howto or not reporting or _asks_about_consequences(text, words)):
        return Understanding(language, "help", **facts)
    if reporting:
        return Understanding(language, "tip", **facts)
    if (len(words) < LONG_STORY and any(w in GREET_WORDS for w in words)) or (
            len(words) <= 2 * LONG_STORY and _has_phrase(words, GREET_PHRASES)):
        return Understanding(language, "greet", **facts)
    if intent_hint in ("greet", "immigration", "tip", "emergency", "help"):
        if intent_hint == "tip":
            facts["describes_crime"] = len(words) >= 6
        return Understanding(language, intent_hint, **facts)
    if len(words) >= LONG_STORY:  # nobody writes this much to say hello: a story is a report, keep it whole
        return Understanding(language, "tip", describes_crime=True, mentions_immigration=immigration)
    return Understanding(language, "other", **facts)
