import { joinName, splitName } from '../../../lib/mapping/names';
import { seedPeople } from '../../simulators/common/seed';

describe('joinName', () => {
	it('joins first and last with one space, trimmed', () => {
		expect(joinName('Jan', 'van der Berg')).toBe('Jan van der Berg');
		expect(joinName('  María José ', ' García  Pérez ')).toBe('María José García Pérez');
		expect(joinName('', 'Cher')).toBe('Cher');
		expect(joinName('Cher', undefined)).toBe('Cher');
		expect(joinName(null, null)).toBe('');
	});
});

describe('splitName without an anchor (the default split)', () => {
	it.each([
		['Jan van der Berg', 'Jan', 'van der Berg'],
		['Ludwig van Beethoven', 'Ludwig', 'van Beethoven'],
		['José da Silva', 'José', 'da Silva'],
		['Pedro dos Santos', 'Pedro', 'dos Santos'],
		['Charles de la Fontaine', 'Charles', 'de la Fontaine'],
		['Ahmed bin Rashid', 'Ahmed', 'bin Rashid'],
		['Anna Maria De Luca', 'Anna Maria', 'De Luca'],
		['María José García Pérez', 'María José', 'García Pérez'],
		["Siobhán O'Brien", 'Siobhán', "O'Brien"],
		['Liam MacLeod', 'Liam', 'MacLeod'],
		["Mia D'Angelo", 'Mia', "D'Angelo"],
		['Mary Ann Smith', 'Mary Ann', 'Smith'],
		['Zoë Müller-Lüdenscheidt', 'Zoë', 'Müller-Lüdenscheidt'],
		['Martin King Jr.', 'Martin', 'King Jr.'],
		['Emoji Fan 🎉', 'Emoji', 'Fan 🎉'],
		['García Pérez, María José', 'María José', 'García Pérez'],
		['  Jan   van der  Berg ', 'Jan', 'van der Berg'],
	])('%s → %s + %s', (full, first, last) => {
		expect(splitName(full)).toEqual({ first, last });
	});

	it('keeps a single word whole, in the last name (the part Dynamics requires)', () => {
		expect(splitName("O'Brien")).toEqual({ first: '', last: "O'Brien" });
		expect(splitName('Cher')).toEqual({ first: '', last: 'Cher' });
		expect(splitName('李小龙')).toEqual({ first: '', last: '李小龙' });
	});

	it('does not take a particle that ends the name as the start of the surname', () => {
		expect(splitName('Marco Van')).toEqual({ first: 'Marco', last: 'Van' });
	});

	it('gives empty parts for an empty name', () => {
		expect(splitName('')).toEqual({ first: '', last: '' });
		expect(splitName('   ')).toEqual({ first: '', last: '' });
		expect(splitName(undefined)).toEqual({ first: '', last: '' });
		expect(splitName('', { first: 'Jan', last: 'Berg' })).toEqual({ first: '', last: '' });
	});
});

describe('splitName with the target\'s current names as anchor', () => {
	it('changes only the first name when the new full name still ends with the current last name', () => {
		expect(splitName('Johannes van der Berg', { first: 'Jan', last: 'van der Berg' })).toEqual({ first: 'Johannes', last: 'van der Berg' });
		expect(splitName('Ana María García Pérez', { first: 'María José', last: 'García Pérez' })).toEqual({ first: 'Ana María', last: 'García Pérez' });
	});

	it('changes only the last name when the new full name still starts with the current first name', () => {
		expect(splitName('María José Fernández López', { first: 'María José', last: 'García Pérez' })).toEqual({ first: 'María José', last: 'Fernández López' });
		expect(splitName('Jan de Vries', { first: 'Jan', last: 'van der Berg' })).toEqual({ first: 'Jan', last: 'de Vries' });
	});

	it('gives back the current parts for an unchanged full name, whatever the default split would guess', () => {
		const current = { first: 'Mary', last: 'Ann Smith' };
		expect(splitName('Mary Ann Smith', current)).toEqual(current);
		expect(splitName('Mary Ann Smith')).toEqual({ first: 'Mary Ann', last: 'Smith' });
	});

	it('takes a change of letter case from the new text', () => {
		expect(splitName('jan VAN DER BERG', { first: 'Jan', last: 'van der Berg' })).toEqual({ first: 'jan', last: 'VAN DER BERG' });
	});

	it('anchors names written without spaces on the family name written first', () => {
		expect(splitName('李小明', { first: '小龙', last: '李' })).toEqual({ first: '小明', last: '李' });
		expect(splitName('王小龙', { first: '小龙', last: '李' })).toEqual({ first: '小龙', last: '王' });
		expect(splitName('小龙 李', { first: '小龙', last: '李' })).toEqual({ first: '小龙', last: '李' });
	});

	it('matches whole words only', () => {
		// "Bergman" does not end with the word "Berg": no anchor, so the default split applies.
		expect(splitName('Jan Bergman', { first: 'Johan', last: 'Berg' })).toEqual({ first: 'Jan', last: 'Bergman' });
	});

	it('falls back to the default split when neither part is kept', () => {
		expect(splitName('Olivia de Vries', { first: 'Jan', last: 'van der Berg' })).toEqual({ first: 'Olivia', last: 'de Vries' });
	});

	it('handles a single name and a name that gains a first name', () => {
		expect(splitName('Cher', { first: '', last: 'Cher' })).toEqual({ first: '', last: 'Cher' });
		expect(splitName('Cherilyn Cher', { first: '', last: 'Cher' })).toEqual({ first: 'Cherilyn', last: 'Cher' });
		expect(splitName('Berg', { first: 'Jan', last: 'Berg' })).toEqual({ first: '', last: 'Berg' });
	});
});

describe('round trips', () => {
	const people = seedPeople(300);

	it('split(join(first, last), current) gives back every seed person exactly', () => {
		for (const person of people) {
			const parts = { first: person.firstName, last: person.lastName };
			expect(splitName(joinName(parts.first, parts.last), parts)).toEqual(parts);
		}
	});

	it('the default split alone (no anchor) gets every seed name right', () => {
		const missed = people.filter((person) => {
			const split = splitName(joinName(person.firstName, person.lastName));
			return split.first !== person.firstName || split.last !== person.lastName;
		});
		// Listed by name, so a regression says which name it broke.
		expect(missed.map((person) => joinName(person.firstName, person.lastName))).toEqual([]);
	});

	it('changing only one part of a joined name updates only that part, for every seed person', () => {
		for (const person of people.filter((candidate) => candidate.firstName && candidate.lastName)) {
			const current = { first: person.firstName, last: person.lastName };
			expect(splitName(joinName('Alexandra', current.last), current)).toEqual({ first: 'Alexandra', last: current.last });
			expect(splitName(joinName(current.first, 'Nakamura-Smith'), current)).toEqual({ first: current.first, last: 'Nakamura-Smith' });
		}
	});
});
