/**
 * The object lexicon: the names the synthetic workflows draw and the prompt-pair node swaps.
 *
 * Img-Diff's lexicon variant [P §11] swaps one object name for another of the same category
 * (WordNet nouns under machine, living thing, food, vehicle, container, clothing, furniture, ...).
 * Ours is smaller and hand-picked so that every name has artwork: each entry names an icon of the
 * MIT-licensed Fluent Emoji Flat set (@iconify-json/fluent-emoji-flat), which the scene renderer
 * draws. Only real, physical objects are listed: no faces, people, symbols, flags or signs.
 * Every icon is used once, so a replacement always changes the picture.
 *
 * Names are lower-case, singular and written as a caption would say them ("fire engine",
 * "pair of scissors"); `article` is set only where the first letter misleads ("a unicorn").
 */
import { ImgDiffError } from "../errors.js";

export interface LexiconEntry {
  readonly name: string;
  readonly category: string;
  /** Icon id in the Fluent Emoji Flat iconify set. */
  readonly icon: string;
  readonly article?: "a" | "an";
}

/** [name, icon] or [name, icon, article] */
type Row = readonly [string, string] | readonly [string, string, "a" | "an"];

const TABLE: Readonly<Record<string, readonly Row[]>> = {
  animal: [
    ["dog", "dog"], ["cat", "cat"], ["black cat", "black-cat"], ["poodle", "poodle"],
    ["guide dog", "guide-dog"], ["service dog", "service-dog"], ["horse", "horse"], ["cow", "cow"],
    ["ox", "ox"], ["water buffalo", "water-buffalo"], ["pig", "pig"], ["wild boar", "boar"],
    ["ram", "ram"], ["sheep", "ewe"], ["goat", "goat"], ["camel", "camel"],
    ["bactrian camel", "two-hump-camel"], ["llama", "llama"], ["giraffe", "giraffe"],
    ["elephant", "elephant"], ["woolly mammoth", "mammoth"], ["rhinoceros", "rhinoceros"],
    ["hippopotamus", "hippopotamus"], ["mouse", "mouse"], ["rat", "rat"], ["hamster", "hamster"],
    ["rabbit", "rabbit"], ["chipmunk", "chipmunk"], ["hedgehog", "hedgehog"], ["bat", "bat"],
    ["bear", "bear"], ["polar bear", "polar-bear"], ["koala", "koala"], ["panda", "panda"],
    ["sloth", "sloth"], ["otter", "otter"], ["skunk", "skunk"], ["kangaroo", "kangaroo"],
    ["badger", "badger"], ["beaver", "beaver"], ["bison", "bison"], ["moose", "moose"],
    ["deer", "deer"], ["donkey", "donkey"], ["zebra", "zebra"], ["leopard", "leopard"],
    ["tiger", "tiger"], ["lion", "lion"], ["wolf", "wolf"], ["fox", "fox"], ["raccoon", "raccoon"],
    ["monkey", "monkey"], ["gorilla", "gorilla"], ["orangutan", "orangutan"],
    ["unicorn", "unicorn", "a"], ["frog", "frog"], ["spider", "spider"], ["scorpion", "scorpion"],
    ["snail", "snail"], ["worm", "worm"],
  ],
  reptile: [
    ["crocodile", "crocodile"], ["turtle", "turtle"], ["lizard", "lizard"], ["snake", "snake"],
    ["dinosaur", "sauropod"], ["tyrannosaurus", "t-rex"], ["dragon", "dragon"],
  ],
  bird: [
    ["bird", "bird"], ["blackbird", "blackbird"], ["chicken", "chicken"], ["rooster", "rooster"],
    ["chick", "baby-chick"], ["turkey", "turkey"], ["eagle", "eagle"], ["duck", "duck"],
    ["swan", "swan"], ["owl", "owl"], ["dodo", "dodo"], ["dove", "dove"], ["flamingo", "flamingo"],
    ["peacock", "peacock"], ["parrot", "parrot"], ["penguin", "penguin"], ["goose", "goose"],
  ],
  "sea creature": [
    ["whale", "whale"], ["dolphin", "dolphin"], ["seal", "seal"], ["fish", "fish"],
    ["tropical fish", "tropical-fish"], ["pufferfish", "blowfish"], ["shark", "shark"],
    ["octopus", "octopus"], ["seashell", "spiral-shell"], ["coral", "coral"],
    ["jellyfish", "jellyfish"], ["crab", "crab"], ["lobster", "lobster"], ["shrimp", "shrimp"],
    ["squid", "squid"], ["oyster", "oyster"],
  ],
  insect: [
    ["ant", "ant"], ["bee", "honeybee"], ["beetle", "beetle"], ["ladybug", "lady-beetle"],
    ["cricket", "cricket"], ["cockroach", "cockroach"], ["mosquito", "mosquito"], ["fly", "fly"],
    ["butterfly", "butterfly"], ["caterpillar", "bug"],
  ],
  vehicle: [
    ["car", "automobile"], ["taxi", "taxi"], ["police car", "police-car"],
    ["ambulance", "ambulance"], ["fire engine", "fire-engine"], ["bus", "bus"],
    ["trolleybus", "trolleybus"], ["minibus", "minibus"], ["delivery truck", "delivery-truck"],
    ["lorry", "articulated-lorry"], ["pickup truck", "pickup-truck"],
    ["suv", "sport-utility-vehicle", "an"], ["racing car", "racing-car"], ["tractor", "tractor"],
    ["motorcycle", "motorcycle"], ["scooter", "motor-scooter"], ["kick scooter", "kick-scooter"],
    ["bicycle", "bicycle"], ["auto rickshaw", "auto-rickshaw"],
  ],
  train: [
    ["steam locomotive", "locomotive"], ["railway carriage", "railway-car"], ["tram", "tram-car"],
    ["bullet train", "bullet-train"], ["high-speed train", "high-speed-train"],
    ["subway train", "metro"], ["light rail train", "light-rail"], ["monorail", "monorail"],
    ["mountain train", "mountain-railway"], ["cable car", "aerial-tramway"],
    ["gondola lift", "mountain-cableway"], ["suspended railway car", "suspension-railway"],
  ],
  aircraft: [
    ["airplane", "airplane"], ["small airplane", "small-airplane"], ["helicopter", "helicopter"],
    ["rocket", "rocket"], ["satellite", "satellite"], ["parachute", "parachute"],
  ],
  boat: [
    ["sailboat", "sailboat"], ["canoe", "canoe"], ["speedboat", "speedboat"],
    ["motor boat", "motor-boat"], ["ferry", "ferry"], ["cruise ship", "passenger-ship"],
  ],
  furniture: [
    ["chair", "chair"], ["bed", "bed"], ["couch", "couch-and-lamp"], ["seat", "seat"],
    ["toilet", "toilet"], ["bathtub", "bathtub"], ["shower head", "shower"], ["door", "door"],
    ["window", "window"], ["mirror", "mirror"], ["framed picture", "framed-picture"],
    ["file cabinet", "file-cabinet"],
  ],
  fruit: [
    ["bunch of grapes", "grapes"], ["melon", "melon"], ["watermelon", "watermelon"],
    ["tangerine", "tangerine"], ["lemon", "lemon"], ["lime", "lime"], ["banana", "banana"],
    ["pineapple", "pineapple"], ["mango", "mango"], ["apple", "red-apple"],
    ["green apple", "green-apple"], ["pear", "pear"], ["peach", "peach"], ["cherry", "cherries"],
    ["strawberry", "strawberry"], ["blueberry", "blueberries"], ["kiwi", "kiwi-fruit"],
    ["coconut", "coconut"], ["avocado", "avocado"], ["olive", "olive"],
  ],
  vegetable: [
    ["tomato", "tomato"], ["eggplant", "eggplant"], ["potato", "potato"], ["carrot", "carrot"],
    ["corn cob", "ear-of-corn"], ["chili pepper", "hot-pepper"], ["bell pepper", "bell-pepper"],
    ["cucumber", "cucumber"], ["head of lettuce", "leafy-green"], ["head of broccoli", "broccoli"],
    ["garlic bulb", "garlic"], ["onion", "onion"], ["mushroom", "brown-mushroom"],
    ["peanut", "peanuts"], ["bean", "beans"], ["chestnut", "chestnut"],
    ["ginger root", "ginger-root"], ["pea pod", "pea-pod"],
  ],
  food: [
    ["loaf of bread", "bread"], ["croissant", "croissant"], ["baguette", "baguette-bread"],
    ["flatbread", "flatbread"], ["pretzel", "pretzel"], ["bagel", "bagel"],
    ["stack of pancakes", "pancakes"], ["waffle", "waffle"], ["wedge of cheese", "cheese-wedge"],
    ["drumstick", "poultry-leg"], ["steak", "cut-of-meat"], ["strip of bacon", "bacon"],
    ["hamburger", "hamburger"], ["box of french fries", "french-fries"],
    ["slice of pizza", "pizza"], ["hot dog", "hot-dog"], ["sandwich", "sandwich"],
    ["taco", "taco"], ["burrito", "burrito"], ["tamale", "tamale"], ["pita wrap", "stuffed-flatbread"],
    ["plate of falafel", "falafel"], ["egg", "egg"], ["pan of paella", "shallow-pan-of-food"],
    ["pot of stew", "pot-of-food"], ["fondue pot", "fondue"], ["bowl of salad", "green-salad"],
    ["bucket of popcorn", "popcorn"], ["block of butter", "butter"], ["salt shaker", "salt"],
    ["bento box", "bento-box"], ["rice cracker", "rice-cracker"], ["rice ball", "rice-ball"],
    ["bowl of rice", "cooked-rice"], ["plate of curry", "curry-rice"],
    ["bowl of noodles", "steaming-bowl"], ["plate of spaghetti", "spaghetti"],
    ["roasted sweet potato", "roasted-sweet-potato"], ["oden skewer", "oden"],
    ["piece of sushi", "sushi"], ["fried shrimp", "fried-shrimp"],
    ["fish cake", "fish-cake-with-swirl"], ["dumpling", "dumpling"], ["bowl of soup", "bowl-with-spoon"],
    ["takeout box", "takeout-box"], ["piece of meat on the bone", "meat-on-bone"],
  ],
  dessert: [
    ["moon cake", "moon-cake"], ["dango skewer", "dango"], ["fortune cookie", "fortune-cookie"],
    ["ice cream cone", "soft-ice-cream"], ["bowl of shaved ice", "shaved-ice"],
    ["ice cream sundae", "ice-cream"], ["doughnut", "doughnut"], ["cookie", "cookie"],
    ["birthday cake", "birthday-cake"], ["slice of cake", "shortcake"], ["cupcake", "cupcake"],
    ["pie", "pie"], ["chocolate bar", "chocolate-bar"], ["piece of candy", "candy"],
    ["lollipop", "lollipop"], ["pudding", "custard"], ["pot of honey", "honey-pot"],
  ],
  drink: [
    ["baby bottle", "baby-bottle"], ["glass of milk", "glass-of-milk"],
    ["cup of coffee", "hot-beverage"], ["sake bottle", "sake"],
    ["champagne bottle", "bottle-with-popping-cork"], ["glass of wine", "wine-glass"],
    ["cocktail", "cocktail-glass"], ["tropical drink", "tropical-drink"], ["mug of beer", "beer-mug"],
    ["glass of whiskey", "tumbler-glass"], ["soft drink", "cup-with-straw"],
    ["cup of bubble tea", "bubble-tea"], ["juice box", "beverage-box"], ["cup of mate", "mate"],
    ["ice cube", "ice"],
  ],
  kitchenware: [
    ["knife and fork", "fork-and-knife"], ["dinner plate", "fork-and-knife-with-plate"],
    ["spoon", "spoon"], ["pair of chopsticks", "chopsticks"], ["kitchen knife", "kitchen-knife"],
    ["teapot", "teapot"], ["frying pan", "cooking"],
  ],
  container: [
    ["basket", "basket"], ["bucket", "bucket"], ["jar", "jar"], ["amphora", "amphora"],
    ["cardboard box", "package"], ["shopping bag", "shopping-bags"], ["wastebasket", "wastebasket"],
    ["suitcase", "luggage"], ["money bag", "money-bag"], ["tin can", "canned-food"],
    ["oil drum", "oil-drum"], ["gift box", "wrapped-gift"], ["shopping cart", "shopping-cart"],
    ["postbox", "postbox"], ["mailbox", "closed-mailbox-with-raised-flag"], ["urn", "funeral-urn"],
    ["card file box", "card-file-box"], ["inbox tray", "inbox-tray"],
  ],
  "electronic device": [
    ["television", "television"], ["radio", "radio"], ["laptop", "laptop"],
    ["desktop computer", "desktop-computer"], ["computer keyboard", "keyboard"],
    ["computer mouse", "computer-mouse"], ["printer", "printer"], ["trackball", "trackball"],
    ["joystick", "joystick"], ["game controller", "video-game"], ["mobile phone", "mobile-phone"],
    ["telephone", "telephone"], ["pager", "pager"], ["fax machine", "fax-machine"],
    ["camera", "camera"], ["video camera", "video-camera"], ["movie camera", "movie-camera"],
    ["film projector", "film-projector"], ["light bulb", "light-bulb"], ["flashlight", "flashlight"],
    ["battery", "battery"], ["electric plug", "electric-plug"],
    ["satellite dish", "satellite-antenna"], ["pair of headphones", "headphone"],
    ["studio microphone", "studio-microphone"], ["microphone", "microphone"],
    ["loudspeaker", "loudspeaker"], ["megaphone", "megaphone"], ["floppy disk", "floppy-disk"],
    ["compact disc", "optical-disk"], ["dvd", "dvd"], ["minidisc", "computer-disk"],
    ["videocassette", "videocassette"], ["robot", "robot"],
  ],
  timepiece: [
    ["alarm clock", "alarm-clock"], ["stopwatch", "stopwatch"], ["kitchen timer", "timer-clock"],
    ["mantelpiece clock", "mantelpiece-clock"], ["wristwatch", "watch"],
    ["hourglass", "hourglass-done", "an"],
  ],
  clothing: [
    ["t-shirt", "t-shirt"], ["pair of jeans", "jeans"], ["dress", "dress"], ["coat", "coat"],
    ["scarf", "scarf"], ["pair of gloves", "gloves"], ["pair of socks", "socks"],
    ["necktie", "necktie"], ["kimono", "kimono"], ["sari", "sari"], ["bikini", "bikini"],
    ["swimsuit", "one-piece-swimsuit"], ["pair of swim briefs", "briefs"],
    ["pair of shorts", "shorts"], ["lab coat", "lab-coat"], ["safety vest", "safety-vest"],
    ["tank top", "running-shirt"], ["blouse", "womans-clothes"],
    ["karate uniform", "martial-arts-uniform"],
  ],
  headwear: [
    ["top hat", "top-hat"], ["baseball cap", "billed-cap"], ["graduation cap", "graduation-cap"],
    ["sun hat", "womans-hat"], ["crown", "crown"], ["military helmet", "military-helmet"],
    ["rescue helmet", "rescue-workers-helmet"],
  ],
  footwear: [
    ["sneaker", "running-shoe"], ["leather shoe", "mans-shoe"],
    ["high-heeled shoe", "high-heeled-shoe"], ["ballet flat", "flat-shoe"],
    ["pair of ballet shoes", "ballet-shoes"], ["sandal", "womans-sandal"],
    ["flip-flop", "thong-sandal"], ["hiking boot", "hiking-boot"], ["boot", "womans-boot"],
    ["roller skate", "roller-skate"], ["ice skate", "ice-skate"],
  ],
  accessory: [
    ["pair of glasses", "glasses"], ["pair of sunglasses", "sunglasses"],
    ["pair of goggles", "goggles"], ["ring", "ring"], ["gemstone", "gem-stone"],
    ["lipstick", "lipstick"], ["bottle of nail polish", "nail-polish"], ["handbag", "handbag"],
    ["purse", "purse"], ["clutch bag", "clutch-bag"], ["backpack", "backpack"],
    ["briefcase", "briefcase"], ["umbrella", "umbrella"], ["closed umbrella", "closed-umbrella"],
    ["ribbon bow", "ribbon"], ["string of prayer beads", "prayer-beads"], ["afro comb", "hair-pick"],
    ["folding fan", "folding-hand-fan"],
  ],
  tool: [
    ["hammer", "hammer"], ["axe", "axe"], ["pickaxe", "pick"], ["wrench", "wrench"],
    ["screwdriver", "screwdriver"], ["saw", "carpentry-saw"], ["nut and bolt", "nut-and-bolt"],
    ["toolbox", "toolbox"], ["clamp", "clamp"], ["hook", "hook"], ["ladder", "ladder"],
    ["magnet", "magnet"], ["chain", "chains"], ["fire extinguisher", "fire-extinguisher"],
    ["pair of scissors", "scissors"], ["key", "key"], ["antique key", "old-key"],
    ["padlock", "locked"], ["gear", "gear"], ["fishing rod", "fishing-pole"],
  ],
  "household item": [
    ["broom", "broom"], ["plunger", "plunger"], ["sponge", "sponge"], ["bar of soap", "soap"],
    ["toothbrush", "toothbrush"], ["razor", "razor"], ["toilet roll", "roll-of-paper"],
    ["candle", "candle"], ["mouse trap", "mouse-trap"], ["safety pin", "safety-pin"],
    ["sewing needle", "sewing-needle"], ["spool of thread", "thread"], ["ball of yarn", "yarn"],
    ["lotion bottle", "lotion-bottle"], ["oil lamp", "diya-lamp"],
    ["paper lantern", "red-paper-lantern"], ["service bell", "bellhop-bell"],
  ],
  toy: [
    ["teddy bear", "teddy-bear"], ["kite", "kite"], ["yo-yo", "yo-yo"], ["balloon", "balloon"],
    ["jigsaw puzzle piece", "puzzle-piece"], ["matryoshka doll", "nesting-dolls"],
    ["pinata", "piata"], ["die", "game-die"], ["chess pawn", "chess-pawn"],
    ["crystal ball", "crystal-ball"], ["magic wand", "magic-wand"], ["water gun", "water-pistol"],
    ["boomerang", "boomerang"], ["disco ball", "mirror-ball"], ["playing card", "joker"],
    ["mahjong tile", "mahjong-red-dragon"],
  ],
  "musical instrument": [
    ["guitar", "guitar"], ["violin", "violin"], ["saxophone", "saxophone"], ["trumpet", "trumpet"],
    ["accordion", "accordion"], ["banjo", "banjo"], ["drum", "drum"], ["conga drum", "long-drum"],
    ["pair of maracas", "maracas"], ["flute", "flute"], ["electronic keyboard", "musical-keyboard"],
    ["post horn", "postal-horn"], ["bell", "bell"], ["wind chime", "wind-chime"],
  ],
  ball: [
    ["soccer ball", "soccer-ball"], ["basketball", "basketball"],
    ["american football", "american-football"], ["rugby ball", "rugby-football"],
    ["baseball", "baseball"], ["softball", "softball"], ["volleyball", "volleyball"],
    ["pool ball", "pool-8-ball"],
  ],
  "sports equipment": [
    ["tennis racket", "tennis"], ["frisbee", "flying-disc"], ["set of bowling pins", "bowling"],
    ["cricket bat", "cricket-game"], ["hockey stick", "field-hockey"],
    ["ice hockey stick", "ice-hockey"], ["lacrosse stick", "lacrosse"],
    ["ping pong paddle", "ping-pong"], ["badminton racket", "badminton"],
    ["boxing glove", "boxing-glove"], ["soccer goal", "goal-net"], ["diving mask", "diving-mask"],
    ["pair of skis", "skis"], ["sled", "sled"], ["curling stone", "curling-stone"],
    ["skateboard", "skateboard"], ["bow and arrow", "bow-and-arrow"], ["dartboard", "bullseye"],
    ["life buoy", "ring-buoy"], ["golf flag", "flag-in-hole"],
  ],
  award: [
    ["trophy", "trophy"], ["gold medal", "1st-place-medal"], ["silver medal", "2nd-place-medal"],
    ["bronze medal", "3rd-place-medal"], ["sports medal", "sports-medal"],
    ["military medal", "military-medal"], ["rosette", "rosette"],
  ],
  plant: [
    ["potted plant", "potted-plant"], ["cactus", "cactus"], ["palm tree", "palm-tree"],
    ["pine tree", "evergreen-tree"], ["tree", "deciduous-tree"], ["christmas tree", "christmas-tree"],
    ["seedling", "seedling"], ["sprig of herbs", "herb"], ["four-leaf clover", "four-leaf-clover"],
    ["shamrock", "shamrock"], ["maple leaf", "maple-leaf"], ["sheaf of rice", "sheaf-of-rice"],
    ["toadstool", "mushroom"], ["bamboo branch", "tanabata-tree"], ["log", "wood"],
  ],
  flower: [
    ["rose", "rose"], ["tulip", "tulip"], ["sunflower", "sunflower"], ["hibiscus", "hibiscus"],
    ["cherry blossom", "cherry-blossom"], ["daisy", "blossom"], ["lotus", "lotus"],
    ["hyacinth", "hyacinth"], ["wilted rose", "wilted-flower"], ["bouquet", "bouquet"],
  ],
  stationery: [
    ["pencil", "pencil"], ["pen", "pen"], ["fountain pen", "fountain-pen"], ["crayon", "crayon"],
    ["paintbrush", "paintbrush"], ["ruler", "straight-ruler"], ["set square", "triangular-ruler"],
    ["paperclip", "paperclip"], ["pushpin", "round-pushpin"], ["thumbtack", "pushpin"],
    ["notebook", "notebook"], ["notepad", "spiral-notepad"], ["book", "closed-book"],
    ["open book", "open-book"], ["stack of books", "books"], ["ledger", "ledger"],
    ["clipboard", "clipboard"], ["envelope", "envelope"], ["calendar", "calendar"],
    ["folder", "file-folder"], ["scroll", "scroll"], ["newspaper", "newspaper"],
    ["price tag", "label"], ["bookmark", "bookmark"], ["paint palette", "artist-palette"],
    ["abacus", "abacus"],
  ],
  "science equipment": [
    ["test tube", "test-tube"], ["petri dish", "petri-dish"], ["microscope", "microscope"],
    ["telescope", "telescope"], ["alembic", "alembic"],
    ["magnifying glass", "magnifying-glass-tilted-left"], ["balance scale", "balance-scale"],
    ["compass", "compass"],
  ],
  "medical item": [
    ["stethoscope", "stethoscope"], ["syringe", "syringe"], ["pill", "pill"],
    ["bandage", "adhesive-bandage"], ["thermometer", "thermometer"], ["crutch", "crutch"],
    ["wheelchair", "manual-wheelchair"], ["motorized wheelchair", "motorized-wheelchair"],
  ],
  money: [
    ["coin", "coin"], ["dollar bill", "dollar-banknote"], ["euro banknote", "euro-banknote", "a"],
    ["pound banknote", "pound-banknote"], ["yen banknote", "yen-banknote"],
    ["credit card", "credit-card"],
  ],
  building: [
    ["house", "house"], ["cottage", "house-with-garden"], ["hut", "hut"], ["castle", "castle"],
    ["tent", "tent"], ["circus tent", "circus-tent"], ["factory", "factory"],
    ["stadium", "stadium"], ["office building", "office-building"], ["school", "school"],
    ["hospital", "hospital"], ["bank", "bank"], ["hotel", "hotel"], ["post office", "post-office"],
    ["church", "church"], ["abandoned house", "derelict-house"],
    ["department store", "department-store"], ["fountain", "fountain"],
    ["ferris wheel", "ferris-wheel"],
  ],
};

export const LEXICON: readonly LexiconEntry[] = Object.freeze(
  Object.entries(TABLE).flatMap(([category, rows]) =>
    rows.map(([name, icon, article]): LexiconEntry =>
      Object.freeze(article ? { name, category, icon, article } : { name, category, icon }),
    ),
  ),
);

export const CATEGORIES: readonly string[] = Object.freeze(Object.keys(TABLE));

const BY_NAME = new Map(LEXICON.map((entry) => [entry.name, entry]));
const BY_CATEGORY = new Map(CATEGORIES.map((c) => [c, LEXICON.filter((e) => e.category === c)]));

/** Entries of one category; throws UNKNOWN_CATEGORY (listing the valid ones) otherwise. */
export function objectsIn(category: string): readonly LexiconEntry[] {
  const entries = BY_CATEGORY.get(category);
  if (!entries) {
    throw new ImgDiffError(
      "UNKNOWN_CATEGORY",
      `unknown object category "${category}"; expected one of: ${CATEGORIES.join(", ")}`,
    );
  }
  return entries;
}

/** The entry for a name (case and surrounding space ignored), or undefined. */
export function findObject(name: string): LexiconEntry | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}

/** Nouns used only in the plural; "a scissors" is wrong, "a pair of scissors" is right. */
const PAIR_NOUNS = new Set([
  "scissors", "jeans", "trousers", "pants", "shorts", "glasses", "sunglasses", "binoculars",
  "headphones", "pliers", "tongs", "skis",
]);

/**
 * The phrase with its indefinite article: "an apple", "a unicorn", "an suv", "an hourglass",
 * "a pair of scissors". The lexicon's own article wins for a name it knows (an abbreviation read
 * letter by letter); otherwise the first word's sound, judged from its spelling.
 */
export function withArticle(phrase: string): string {
  const text = phrase.trim();
  const lower = text.toLowerCase();
  const last = lower.split(/\s+/).pop() ?? "";
  if (PAIR_NOUNS.has(last)) return `a pair of ${text}`;
  const known = findObject(text)?.article;
  if (known) return `${known} ${text}`;
  if (/^(uni|use|usu|ute|uti|ure|eu|ewe|one\b|once|u-)/.test(lower)) return `a ${text}`;
  if (/^(hour|honest|honou?r|heir)/.test(lower)) return `an ${text}`;
  return `${/^[aeiou]/.test(lower) ? "an" : "a"} ${text}`;
}
