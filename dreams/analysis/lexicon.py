"""The dream-symbol lexicon: the things, places, people and creatures dreams are made of.

Each family ("water", "pursuit", "house and rooms"...) lists its symbols one a line as
``canonical | synonym, synonym``. Plurals are generated (``monster`` -> ``monsters``,
``city`` -> ``cities``, ``box`` -> ``boxes``); irregular ones are written as synonyms
(``teeth | tooth``, ``wolf | wolves``). A surface form ending in ``?`` is a word that is
often not a noun ("light", "watch", "home"): it only counts right after a determiner, a
possessive, a number or a modifier ("the light", "my watch", "a red light").

Lookups are exact on lowercase words; multiword entries ("living room", "teddy bear")
are matched before single words. The display form of a symbol keeps the dreamer's own
word (``mom`` stays "mom"), only singularised; its *canonical* name (``mother``) is what
two mentions are merged on and what the evaluation compares.

Each family also carries a weak affect prior (valence -1..1, arousal 0..1) and, for some,
the emotion its symbols hint at when the text names none ("teeth" -> anxiety). These are
evidence of last resort: a dream's own feeling words always weigh more.
"""

from __future__ import annotations

from dataclasses import dataclass

from dreams.analysis.text import word_set

# fmt: off
SYMBOL_FAMILIES: dict[str, str] = {
    "water": """
        water
        sea | seaside, seashore
        ocean
        lake
        river | stream, creek, brook
        wave? | waves, tide, surf
        tsunami | tidal wave
        flood
        waterfall
        fountain
        pool | swimming pool
        bath | bathtub, tub
        pond
        puddle
        well?
        beach | shore, coast
        island
        swamp | marsh, bog
        whirlpool | maelstrom
    """,
    "flight": """
        sky | skies
        cloud
        wing
        feather
        balloon | hot air balloon
        kite
        parachute
        glider
        flight?
    """,
    "falling": """
        cliff | precipice
        ledge
        abyss | chasm, void
        pit
        hole | sinkhole
        trapdoor | trap door
    """,
    "pursuit": """
        stalker | pursuer
        intruder
        attacker
        killer | murderer
        kidnapper
        thief | thieves, burglar, robber
        hunter
        gun | pistol, rifle, shotgun
        knife | knives, blade, dagger
        sword
        weapon
        trap?
        cage
        prison | jail
    """,
    "house and rooms": """
        house
        home?
        room
        bedroom
        kitchen
        bathroom
        toilet
        sink?
        living room | lounge
        dining room
        basement | cellar
        attic | loft
        hallway | corridor, hall
        stairs | staircase, stairway, stairwell
        door | doorway
        gate
        window
        wall
        floor
        ceiling
        roof | rooftop
        closet | wardrobe, cupboard
        bed
        elevator | lift?
        garden | yard, backyard
        fireplace
        balcony | balconies
        garage
        apartment
        cabin | hut, cottage
        mansion
        furniture
        chair
        table
        shelf | shelves, bookshelf, bookshelves
    """,
    "teeth": """
        teeth | tooth
        dentist
        toothbrush
    """,
    "death": """
        death
        funeral
        coffin | casket
        grave | tomb
        cemetery | graveyard
        corpse | dead body
        skeleton
        skull
        bone
        hearse
        grim reaper | reaper
    """,
    "animals": """
        animal
        dog | puppy, puppies, hound
        cat | kitten
        snake | serpent, viper
        spider
        horse | pony, ponies
        bird
        crow | raven
        owl
        eagle | hawk
        wolf | wolves
        bear?
        lion
        tiger
        shark
        whale
        dolphin
        fish?
        rat
        mouse | mice
        insect | bug
        bee | wasp
        butterfly | butterflies
        moth
        frog | toad
        rabbit | bunny, bunnies, hare
        deer | stag, fawn
        fox | foxes
        monkey | ape, gorilla
        elephant
        cow | cattle
        bull
        pig
        sheep | lamb
        chicken | hen
        goose | geese
        octopus | octopuses, octopi
        jellyfish
        crocodile | alligator
        turtle | tortoise
        worm | maggot
        cockroach
        bat?
        ant
        beetle
    """,
    "vehicles": """
        car | automobile
        bus | buses
        train?
        subway | metro
        plane | airplane, aeroplane, jet, aircraft
        boat | canoe, rowboat, raft
        ship
        ferry | ferries
        bicycle | bike
        motorcycle | motorbike
        truck | lorry
        van
        taxi | cab
        ambulance
        helicopter
        spaceship | spacecraft, rocket
        ufo | flying saucer
        submarine
        tram
        brakes
        steering wheel
        carriage
        sled | sleigh
    """,
    "people": """
        mother | mom, mum, mommy, mummy, mama
        father | dad, daddy, papa
        grandmother | grandma, granny, nana
        grandfather | grandpa, granddad
        parents
        brother
        sister
        baby | babies, infant, newborn
        child | children, kid
        son
        daughter
        husband
        wife | wives
        boyfriend
        girlfriend
        ex | ex-boyfriend, ex-girlfriend, ex-husband, ex-wife
        friend | best friend
        stranger
        crowd
        teacher
        boss
        doctor
        nurse
        police | policeman, policemen, police officer, cop
        soldier
        king
        queen
        prince
        princess | princesses
        celebrity | celebrities
        man | men
        woman | women
        boy
        girl
        family | families
        cousin
        aunt
        uncle
        neighbour | neighbor
        classmate
        colleague | coworker
        twin
        clown
        astronaut
        guard
    """,
    "light and dark": """
        light?
        darkness | dark?
        shadow
        lamp
        lantern
        candle
        torch | flashlight
        sun | sunlight, sunshine
        moon | moonlight
        star
        rainbow
        eclipse
        sunrise | dawn
        sunset | dusk, twilight
        night?
        spotlight
        streetlight | street lamp
        aurora | northern lights
    """,
    "sky and space": """
        planet
        galaxy | galaxies
        comet
        meteor | asteroid
        universe
        outer space | space station
        constellation
    """,
    "nature": """
        forest | woods
        jungle
        tree
        mountain
        hill
        valley
        desert
        field
        meadow
        cave | cavern
        volcano
        canyon
        rock | boulder
        flower | blossom
        rose?
        grass
        leaf | leaves
        path | trail
        sand | dune
        mud
        moss
        branch
        vine
        mushroom
    """,
    "weather": """
        storm | thunderstorm
        thunder
        lightning
        tornado | twister
        hurricane
        rain? | raindrop, downpour
        snow | snowfall, snowflake
        blizzard
        ice
        fog | mist, haze
        wind | breeze, gust
    """,
    "fire": """
        fire | flame, blaze
        smoke
        ash | ashes
        explosion | blast
        bomb
        lava | magma
        fireworks | firework
        bonfire | campfire
    """,
    "catastrophe": """
        earthquake
        apocalypse | end of the world
        war | battle
        crash?
        disaster
    """,
    "body": """
        hair
        hand
        face?
        blood
        skin
        mouth
        foot | feet
        leg
        finger
        wound | injury, injuries
        scar
        pregnancy | pregnant
        tongue
        body?
    """,
    "clothing": """
        clothes | clothing, outfit
        dress | gown
        shoe | boot
        coat | jacket
        hat
        mask
        uniform
        nakedness | naked, nude
        glove
        scarf | scarves
        costume
        pajamas | pyjamas
        underwear
    """,
    "school and work": """
        school | high school
        classroom
        exam | examination, test?, quiz, quizzes
        homework
        desk
        office
        meeting
        interview
        presentation
        deadline
        university | universities, college, campus
        library | libraries
        lecture
        stage
        audience
        lesson
    """,
    "objects": """
        key
        lock?
        mirror
        clock | wristwatch, watch?
        letter | envelope
        book
        box | boxes, crate
        bag | backpack, purse
        suitcase | luggage
        ring?
        money | cash
        coin
        wallet
        map
        ticket
        gift | present?
        umbrella
        rope
        ladder
        doll
        toy
        teddy bear
        jewel | gem, diamond
        crown
        treasure
        bottle
        cup | mug
        bell
        needle
        scissors
        photograph | photo, picture?
        painting
        statue | sculpture
        candy | sweets
        glasses?
        paper?
        pen | pencil
        glass?
        crystal?
        gold?
        stone? | pebble
    """,
    "technology": """
        phone | telephone, cellphone, smartphone, mobile phone
        computer | laptop
        television | tv
        screen
        camera
        robot
        video game
        radio
    """,
    "places": """
        city | cities, town
        village
        street
        road | highway, motorway
        alley | alleyway
        bridge
        tunnel
        tower
        castle | fortress
        palace
        church | cathedral, chapel
        temple
        hospital
        airport
        station | train station
        market | marketplace, bazaar
        shop | store
        supermarket
        mall
        restaurant | diner
        cafe | café
        hotel
        museum
        theater | theatre, cinema
        stadium
        park?
        playground
        maze | labyrinth
        ruins
        lighthouse
        factory | factories
        farm
        barn
        parking lot | car park
        bus stop
        amusement park | funfair, carnival
        roller coaster
        zoo
        circus
    """,
    "celebrations": """
        wedding
        party | parties, celebration
        birthday
        concert
        festival
        ceremony | ceremonies
        graduation
        race?
    """,
    "food": """
        food
        bread
        cake
        fruit
        apple
        egg
        meat
        wine
        coffee
        tea
        chocolate
        soup
        feast | banquet
        milk
        ice cream
        honey
    """,
    "supernatural": """
        monster | beast, creature
        demon | devil
        ghost | phantom, spirit?
        witch | witches
        wizard | magician, sorcerer
        angel
        vampire
        zombie
        alien
        fairy | fairies
        dragon
        unicorn
        mermaid
        giant?
        doppelganger
        shadow figure | shadow man, shadow people
        portal
    """,
    "music and art": """
        music | melody, melodies
        song
        piano
        guitar
        violin
        drum
        orchestra
    """,
    "travel": """
        journey | trip, voyage
        passport
        border
        hotel room
    """,
    "games": """
        ball
        chess
        cards | playing cards
        puzzle
        dice
    """,
    "religion": """
        god | gods
        priest | monk, nun
        altar
        cross?
        prayer
        heaven | paradise
        hell
    """,
}

# Weak affect prior per family: (valence -1..1, arousal 0..1).
FAMILY_AFFECT: dict[str, tuple[float, float]] = {
    "water": (0.1, 0.35), "flight": (0.5, 0.6), "falling": (-0.5, 0.75),
    "pursuit": (-0.7, 0.85), "house and rooms": (0.0, 0.3), "teeth": (-0.5, 0.6),
    "death": (-0.7, 0.35), "animals": (0.05, 0.5), "vehicles": (0.0, 0.55),
    "people": (0.1, 0.4), "light and dark": (0.2, 0.35), "sky and space": (0.5, 0.5),
    "nature": (0.3, 0.3), "weather": (-0.2, 0.6), "fire": (-0.4, 0.75),
    "catastrophe": (-0.7, 0.85), "body": (-0.1, 0.45), "clothing": (0.0, 0.35),
    "school and work": (-0.25, 0.55), "objects": (0.0, 0.35), "technology": (0.0, 0.45),
    "places": (0.0, 0.4), "celebrations": (0.6, 0.65), "food": (0.4, 0.35),
    "supernatural": (-0.4, 0.7), "music and art": (0.5, 0.45), "travel": (0.2, 0.5),
    "games": (0.3, 0.5), "religion": (0.2, 0.35),
}

# Symbols whose own affect differs from their family's.
SYMBOL_AFFECT: dict[str, tuple[float, float]] = {
    "darkness": (-0.5, 0.55), "shadow": (-0.4, 0.55), "night": (-0.1, 0.35),
    "sun": (0.5, 0.45), "rainbow": (0.7, 0.45), "aurora": (0.7, 0.5), "star": (0.5, 0.4),
    "sunrise": (0.5, 0.35), "eclipse": (-0.2, 0.55), "angel": (0.6, 0.4),
    "fairy": (0.6, 0.5), "unicorn": (0.7, 0.5), "mermaid": (0.4, 0.5),
    "portal": (0.2, 0.6), "spider": (-0.5, 0.65), "snake": (-0.4, 0.65),
    "shark": (-0.5, 0.75), "rat": (-0.4, 0.55), "cockroach": (-0.5, 0.55),
    "worm": (-0.4, 0.45), "wolf": (-0.3, 0.65), "crocodile": (-0.5, 0.7),
    "butterfly": (0.5, 0.4), "dolphin": (0.5, 0.5), "whale": (0.3, 0.4),
    "dog": (0.3, 0.5), "cat": (0.2, 0.4), "baby": (0.3, 0.45),
    "flood": (-0.5, 0.7), "tsunami": (-0.6, 0.85), "whirlpool": (-0.4, 0.75),
    "storm": (-0.4, 0.75), "tornado": (-0.6, 0.85), "hurricane": (-0.6, 0.85),
    "lightning": (-0.2, 0.75), "hospital": (-0.4, 0.5), "prison": (-0.6, 0.6),
    "ruins": (-0.3, 0.4), "maze": (-0.3, 0.6), "blood": (-0.6, 0.7),
    "wound": (-0.5, 0.6), "scar": (-0.3, 0.4), "nakedness": (-0.4, 0.6),
    "exam": (-0.5, 0.7), "deadline": (-0.5, 0.7), "interview": (-0.3, 0.6),
    "presentation": (-0.3, 0.6), "wedding": (0.6, 0.55), "gift": (0.6, 0.5),
    "treasure": (0.6, 0.6), "garden": (0.5, 0.25), "meadow": (0.6, 0.2),
    "beach": (0.5, 0.3), "island": (0.4, 0.35), "heaven": (0.7, 0.35), "hell": (-0.8, 0.8),
    "demon": (-0.8, 0.85), "monster": (-0.7, 0.85), "zombie": (-0.7, 0.85),
    "vampire": (-0.6, 0.7), "ghost": (-0.4, 0.6), "witch": (-0.3, 0.6),
    "clown": (-0.2, 0.6), "doppelganger": (-0.4, 0.6), "shadow figure": (-0.7, 0.75),
    "stranger": (-0.2, 0.5), "crowd": (-0.1, 0.55), "mother": (0.3, 0.4),
    "grandmother": (0.3, 0.3), "snow": (0.2, 0.3), "fog": (-0.2, 0.35),
    "fireworks": (0.6, 0.75), "bonfire": (0.3, 0.45), "cemetery": (-0.5, 0.35),
    "coffin": (-0.6, 0.4), "funeral": (-0.7, 0.35), "ambulance": (-0.5, 0.8),
    "police": (-0.2, 0.6), "brakes": (-0.4, 0.8), "cliff": (-0.3, 0.7),
    "abyss": (-0.6, 0.7), "lava": (-0.5, 0.8), "music": (0.5, 0.45), "party": (0.6, 0.7),
    "lighthouse": (0.2, 0.35), "library": (0.2, 0.25), "cake": (0.5, 0.45),
}

# The emotion a symbol hints at when the text itself names no feeling, weak evidence.
FAMILY_EMOTION: dict[str, str] = {
    "pursuit": "fear", "falling": "fear", "teeth": "anxiety", "death": "sadness",
    "flight": "wonder", "sky and space": "wonder", "catastrophe": "fear",
    "school and work": "anxiety", "celebrations": "joy", "supernatural": "fear",
}
SYMBOL_EMOTION: dict[str, str | None] = {
    "angel": "wonder", "fairy": "wonder", "unicorn": "wonder", "mermaid": "wonder",
    "portal": "wonder", "rainbow": "wonder", "aurora": "wonder", "star": "wonder",
    "darkness": "fear", "shadow figure": "fear", "spider": "fear", "snake": "fear",
    "shark": "fear", "nakedness": "anxiety", "exam": "anxiety", "deadline": "anxiety",
    "maze": "confusion", "funeral": "sadness", "grave": "sadness", "coffin": "sadness",
    "wedding": "love", "meadow": "calm", "garden": "calm", "beach": "calm",
    "skeleton": "fear", "skull": "fear", "blood": "fear", "tsunami": "fear",
    "tornado": "fear", "flood": "fear", "library": "calm", "heaven": "wonder",
    "hell": "fear", "gift": "joy", "party": "joy", "ghost": "fear",
    "cemetery": "sadness", "ambulance": "anxiety", "brakes": "anxiety",
    "classroom": "anxiety", "office": None, "meeting": None, "university": None,
    "audience": "anxiety", "stage": "anxiety", "lecture": None, "lesson": None,
    "desk": None, "dentist": "anxiety", "toothbrush": None, "sky": "wonder",
    "cloud": None, "feather": None, "wing": "wonder", "balloon": "joy",
    "kite": "joy", "flight": None, "hole": None,
    "pit": None, "ledge": "fear", "cliff": "fear", "death": "sadness",
    "bone": None, "trap": "fear", "cage": None, "prison": "fear", "hunter": "fear",
    "weapon": "fear", "gun": "fear", "knife": "fear", "sword": None,
    "witch": "fear", "wizard": "wonder", "dragon": "wonder", "giant": "wonder",
    "alien": "wonder", "doppelganger": "confusion", "god": "wonder", "planet": "wonder",
    "galaxy": "wonder", "universe": "wonder", "comet": "wonder", "outer space": "wonder",
    "race": None, "ceremony": None, "graduation": "joy",
    "birthday": "joy", "concert": "joy", "festival": "joy",
}
# fmt: on

# Adjectives and noun modifiers kept in a symbol's name when they stand right before it:
# "glass lighthouse", "endless hallway", "huge black dog".
# fmt: off
MODIFIERS = word_set(
    """
    red blue green yellow black white grey gray golden gold silver purple pink orange brown
    violet crimson scarlet turquoise dark pale bright glowing shining sparkling shimmering
    luminous neon colourful colorful rainbow transparent invisible
    glass stone wooden iron metal steel paper crystal marble plastic brick concrete velvet
    rusty copper rubber leather porcelain ice wax sand
    huge giant enormous gigantic massive tiny small little big large vast endless infinite
    narrow wide tall deep high bottomless towering
    old ancient new abandoned empty broken ruined crumbling burning frozen flooded haunted
    hidden secret locked dusty foggy misty stormy sunny moonlit starry snowy icy shadowy
    cold warm hot wet muddy rotten rotting bloody
    wild strange mysterious familiar unfamiliar silent faceless masked hooded bald blind
    dead evil beautiful ugly magic magical enchanted spiral winding twisted underground
    underwater floating flying falling melting sinking drowning spinning talking singing
    crying laughing screaming smiling mechanical crowded deserted murky endless childhood
    front back rocking sleeping heavy
    """
)
# fmt: on

# Words that, right before a noun, show it is one ("the light", "my watch", "two dogs").
DETERMINERS = word_set(
    """
    a an the my your his her its our their this that these those some any every each
    another no one two three four five six seven eight nine ten many several few
    whose which what
    """
)


@dataclass(frozen=True, slots=True)
class Surface:
    """One way a symbol is written."""

    canonical: str  # the entry's name: what mentions are merged and scored on
    family: str
    display: str  # the singular the dreamer wrote ("mom", "staircase")
    needs_context: bool  # only after a determiner, possessive or modifier


def _plurals(word: str) -> list[str]:
    """Regular English plurals of ``word`` (more than one when unsure; extras never match)."""
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return [word + "es"]
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return [word[:-1] + "ies"]
    if word.endswith("fe"):
        return [word + "s", word[:-2] + "ves"]
    if word.endswith("f") and not word.endswith("ff"):
        return [word + "s", word[:-1] + "ves"]
    if word.endswith("o"):
        return [word + "s", word + "es"]
    return [word + "s"]


def _build() -> tuple[dict[str, Surface], dict[str, str], dict[str, int]]:
    """Index every surface form (singular and plural) by its lowercase text.

    Also returns, for each word that starts a multiword form, the most words such a
    form has, so single words need only one lookup.
    """
    surfaces: dict[str, Surface] = {}
    families: dict[str, str] = {}
    starts: dict[str, int] = {}
    for family, block in SYMBOL_FAMILIES.items():
        for line in block.strip().splitlines():
            head, _, rest = line.partition("|")
            forms = [head.strip()] + [f.strip() for f in rest.split(",") if f.strip()]
            canonical = forms[0].rstrip("?")
            if canonical in families:
                raise ValueError(f"symbol {canonical!r} is listed twice")
            families[canonical] = family
            for form in forms:
                needs_context = form.endswith("?")
                text = form.rstrip("?").replace("-", " ")
                words = text.split()
                if len(words) > 1:
                    starts[words[0]] = max(starts.get(words[0], 1), len(words))
                surfaces.setdefault(text, Surface(canonical, family, text, needs_context))
                for plural in _plurals(words[-1]):
                    key = " ".join([*words[:-1], plural])
                    surfaces.setdefault(key, Surface(canonical, family, text, needs_context))
    return surfaces, families, starts


SURFACES, CANONICAL_FAMILY, MULTIWORD_STARTS = _build()


def lookup(phrase: str) -> Surface | None:
    """The symbol a lowercase word or phrase names, or None (no context check)."""
    return SURFACES.get(" ".join(phrase.lower().replace("-", " ").split()))


def family_of(canonical: str) -> str:
    return CANONICAL_FAMILY.get(canonical, "other")


def affect_of(canonical: str) -> tuple[float, float] | None:
    """The (valence, arousal) prior of a lexicon symbol, or None for unknown names."""
    if canonical in SYMBOL_AFFECT:
        return SYMBOL_AFFECT[canonical]
    family = CANONICAL_FAMILY.get(canonical)
    return FAMILY_AFFECT.get(family) if family else None


def emotion_hint(canonical: str) -> str | None:
    """The emotion a lexicon symbol hints at on its own, or None."""
    if canonical in SYMBOL_EMOTION:
        return SYMBOL_EMOTION[canonical]
    family = CANONICAL_FAMILY.get(canonical)
    return FAMILY_EMOTION.get(family) if family else None


def singular(word: str) -> str:
    """A crude singular for words outside the lexicon ("lanterns" -> "lantern")."""
    surface = SURFACES.get(word)
    if surface is not None and len(surface.display.split()) == 1:
        return surface.display
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def canonical_symbol(name: str) -> str:
    """The canonical name of a symbol as written ("glass lighthouses" -> "lighthouse").

    Leading modifiers are dropped and the rest is looked up in the lexicon (longest
    tail first); a name the lexicon lacks is its words without modifiers, the last
    one singularised. Used to merge mentions and to score the evaluation set.
    """
    words = " ".join(name.lower().replace("-", " ").split()).split()
    for start in range(len(words)):
        surface = SURFACES.get(" ".join(words[start:]))
        if surface is not None:
            return surface.canonical
    while len(words) > 1 and words[0] in MODIFIERS:
        words = words[1:]
    if not words:
        return ""
    return " ".join([*words[:-1], singular(words[-1])])
