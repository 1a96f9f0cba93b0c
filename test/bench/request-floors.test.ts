/** The bench's request floors: the API minimum and what the one-way template's polls add to it. */
import { minimumRequests, templateFloor } from '../../bench/scenarios';

describe('request floors', () => {
	it('API minimum: 5,000-row Dynamics pages, 200-contact Google batch writes, one listing to match against', () => {
		expect(minimumRequests(1_000)).toEqual({ dynamicsPages: 1, googleBatchWrites: 5, matchingReads: 1, total: 7 });
		expect(minimumRequests(10_000).total).toBe(2 + 50 + 1);
		expect(minimumRequests(100_000).total).toBe(20 + 500 + 1);
		expect(minimumRequests(10_000, 2_500).matchingReads).toBe(3);
	});

	it('template floor: each poll after the first reads the previous poll\'s creates back (1,000 per page); the unsubscribe group costs a list and a create', () => {
		expect(templateFloor(1_000, 0)).toEqual({ minimum: 7, changeReads: 0, groupRequests: 0, total: 7 });
		expect(templateFloor(1_000, 3)).toEqual({ minimum: 7, changeReads: 0, groupRequests: 2, total: 9 });
		expect(templateFloor(10_000, 3).total).toBe(53 + 5 + 2);
		expect(templateFloor(100_000, 30).total).toBe(521 + 19 * 5 + 2);
	});
});
